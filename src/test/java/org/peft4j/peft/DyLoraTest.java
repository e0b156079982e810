package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.Plan;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;
import org.peft4j.train.BatchSource;
import org.peft4j.train.Trainer;

/** DyLoRA: rank-b truncation equals a rank-b LoRA, masked components learn nothing, ranks follow (seed, step). */
class DyLoraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules QV = TargetModules.of("query", "value");
    private static final int R_MAX = 4;
    private static final float ALPHA = 6f;

    @AfterAll
    static void close() { ops.close(); }

    private static List<DyLora.Truncated> layers(PeftModel model) {
        return model.adapters().get("default").byModule().values().stream().map(a -> (DyLora.Truncated) a).toList();
    }

    private static long firstStepWithRank(DyLora.Truncated layer, int rank) {
        return LongStream.range(0, 1000).filter(s -> layer.rankAt(s) == rank).findFirst().orElseThrow();
    }

    /** A plain LoRA of rank b and alpha α on the same base, holding DyLoRA's first b components. */
    private static PeftModel loraOfFirstComponents(PeftModel dylora, long baseSeed, int b) {
        PeftModel lora = new PeftModel(TinyModels.bertClassifier(0f, baseSeed));
        var set = lora.addAdapter("default", AdapterConfig.of("lora", b, ALPHA, QV));
        dylora.adapters().get("default").byModule().forEach((module, adapter) -> {
            LowRankBranch from = ((DyLora.Truncated) adapter).branch(), to = ((Lora.Additive) set.byModule().get(module)).branch();
            Tensor a = from.a().value(), bb = from.b().value();
            int in = a.dim(1), out = bb.dim(0);
            for (int k = 0; k < b; k++) {
                for (int j = 0; j < in; j++) to.a().value().set(a.get(k, j), k, j);
                for (int i = 0; i < out; i++) to.b().value().set(bb.get(i, k), i, k);
            }
        });
        return lora;
    }

    @Test
    void rankBTrainingAndEvaluationEqualAPlainLoraOfTheFirstBComponents() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 5));
        model.addAdapter("default", AdapterConfig.of("dylora", R_MAX, ALPHA, QV));
        AdapterChecks.perturbTrainable(model, 17, 0.4f);
        Tensor[] logits = new Tensor[1];
        Plan training = Plan.record(recorder -> logits[0] = model.forward(recorder, batch, true));
        DyLora.Truncated first = layers(model).getFirst();
        for (int b = 1; b <= R_MAX; b++) {
            float[] expected = AdapterChecks.logits(ops, loraOfFirstComponents(model, 5, b), batch);
            model.beforeStep(firstStepWithRank(first, b));
            for (DyLora.Truncated layer : layers(model)) assertEquals(b, layer.trainingRank());
            training.run(ops);
            assertArrayEquals(expected, logits[0].toArray(), 2e-6f, "training pass replayed at rank " + b);
            DyLora.setEvalRank(model.adapters().get("default"), b);
            assertArrayEquals(expected, AdapterChecks.logits(ops, model, batch), 2e-6f, "evaluation at rank " + b);
        }
    }

    @Test
    void componentsPastTheDrawnRankGetExactlyZeroGradient() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withDropout(0.2f), 9);
        model.beforeStep(firstStepWithRank(layers(model).getFirst(), 2));
        model.parameters().forEach(Parameter::zeroGrad);
        model.forward(ops, batch, true);
        model.loss(ops, batch);
        model.backward(ops, true);
        for (DyLora.Truncated layer : layers(model)) {
            Tensor dA = layer.branch().a().grad(), dB = layer.branch().b().grad();
            int in = dA.dim(1), out = dB.dim(0);
            double kept = 0;
            for (int k = 0; k < R_MAX; k++) {
                for (int j = 0; j < in; j++) {
                    if (k >= 2) assertEquals(0f, dA.get(k, j), 0f, "dA[" + k + ", " + j + "]");
                    else kept += Math.abs(dA.get(k, j));
                }
                for (int i = 0; i < out; i++) {
                    if (k >= 2) assertEquals(0f, dB.get(i, k), 0f, "dB[" + i + ", " + k + "]");
                    else kept += Math.abs(dB.get(i, k));
                }
            }
            assertTrue(kept > 0, "the first two components learn");
        }
    }

    @Test
    void gradientsAtADrawnRankWithDropoutAndRslora() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withDropout(0.2f).withRslora(true)
                .withModulesToSave("classifier"), 4);
        model.beforeStep(firstStepWithRank(layers(model).getFirst(), 3));
        AdapterChecks.gradientCheck(ops, model, batch);
    }

    @Test
    void layerGradientsAtADrawnRankWithDropoutAndRslora() {
        Linear layer = Linear.create("layer", 7, 5, true, 3);
        DyLora.Truncated adapter = (DyLora.Truncated) AdapterChecks.attach(layer,
                AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withDropout(0.2f).withRslora(true), 12);
        adapter.beforeStep(firstStepWithRank(adapter, 2));
        AdapterChecks.layerGradientCheck(ops, layer, 3, 13);
    }

    @Test
    void ranksAreUniformOverTheRangeAndAFunctionOfSeedAndStep() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withSeed(11));
        model.addAdapter("narrow", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withSeed(11).withOption("min_rank", 3));
        model.addAdapter("reseeded", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withSeed(12));
        List<DyLora.Truncated> layers = layers(model);
        DyLora.Truncated narrow = (DyLora.Truncated) model.adapters().get("narrow").byModule().values().iterator().next();
        DyLora.Truncated reseeded = (DyLora.Truncated) model.adapters().get("reseeded").byModule().values().iterator().next();
        int[] counts = new int[R_MAX + 1];
        Set<Integer> narrowRanks = new TreeSet<>();
        int differ = 0;
        for (long step = 0; step < 400; step++) {
            int b = layers.getFirst().rankAt(step);
            counts[b]++;
            for (DyLora.Truncated other : layers) assertEquals(b, other.rankAt(step), "every module draws the same rank");
            narrowRanks.add(narrow.rankAt(step));
            if (reseeded.rankAt(step) != b) differ++;
        }
        for (int b = 1; b <= R_MAX; b++) assertTrue(counts[b] > 60 && counts[b] < 140, "rank " + b + " drawn " + counts[b] + " of 400 times");
        assertEquals(Set.of(3, 4), narrowRanks);
        assertTrue(differ > 100, "another seed draws another sequence (" + differ + " of 400 differ)");
    }

    private static Trainer.Result train(Path out, long steps, boolean resume) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            PeftModel model = AdapterChecks.adapted(AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withSeed(21), 6);
            var optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
            BatchSource same = new BatchSource() {
                @Override public TokenBatch batch(long step) { return batch; }
                @Override public long batchesPerEpoch() { return 1; }
            };
            Trainer trainer = new Trainer(model, backend, optimizer, new LearningRateSchedule.Constant(1e-2), same, null,
                    new Trainer.Settings(steps, 0, 3, 2, 1.0, out, resume, false), message -> {});
            Trainer.Result result = trainer.run();
            DyLora.Truncated layer = layers(model).getFirst();
            assertEquals(layer.rankAt(steps - 1), layer.trainingRank(), "the last step trained at its drawn rank");
            return result;
        }
    }

    @Test
    void trainingWithTheTrainerIsReproducibleAndResumesExactly(@TempDir Path straight, @TempDir Path split) throws IOException {
        List<Float> reference = train(straight, 6, false).losses();
        List<Float> joined = new ArrayList<>(train(split, 3, false).losses());
        joined.addAll(train(split, 6, true).losses());
        assertEquals(reference, joined);
        assertNotEquals(reference.getFirst(), reference.getLast(), "the adapter trains");
    }

    @Test
    void mergeAtTheEvaluationRankEqualsTheUnmergedForward() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withOption("eval_rank", 2), 8);
        assertEquals(2, layers(model).getFirst().evalRank());
        float[] atTwo = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertArrayEquals(atTwo, AdapterChecks.logits(ops, model, batch), 1e-5f);
        model.unmerge();
        DyLora.setEvalRank(model.adapters().get("default"), R_MAX);
        float[] full = AdapterChecks.logits(ops, model, batch);
        assertTrue(maxDifference(atTwo, full) > 1e-3, "rank 2 and rank 4 differ: " + maxDifference(atTwo, full));
    }

    private static double maxDifference(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void countsRMaxComponentsOfAAndB() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("dylora", R_MAX, ALPHA, QV));
        assertEquals(4L * R_MAX * (8 + 8), model.trainableParameterCount());
        assertEquals(Set.of("lora_A.weight", "lora_B.weight"), layers(model).getFirst().peftTensors().keySet());
    }

    @Test
    void clearErrorsForRanksOutOfRange() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("a", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withOption("eval_rank", 5)));
        assertTrue(e.getMessage().contains("eval_rank must lie in [1, 4]") && e.getMessage().contains("got 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("b", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withOption("min_rank", 0)));
        assertTrue(e.getMessage().contains("min_rank must lie in [1, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("c", AdapterConfig.of("dylora", R_MAX, ALPHA, QV).withInit("pissa")));
        assertTrue(e.getMessage().contains("'pissa' is not supported"), e.getMessage());
        var set = model.addAdapter("d", AdapterConfig.of("dylora", R_MAX, ALPHA, QV));
        e = assertThrows(IllegalArgumentException.class, () -> DyLora.setEvalRank(set, 0));
        assertTrue(e.getMessage().contains("eval_rank must lie in [1, 4]") && e.getMessage().contains("got 0"), e.getMessage());
        var lora = model.addAdapter("e", AdapterConfig.of("lora", 2, 4, QV));
        e = assertThrows(IllegalArgumentException.class, () -> DyLora.setEvalRank(lora, 1));
        assertTrue(e.getMessage().contains("not dylora"), e.getMessage());
    }
}
