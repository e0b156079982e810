package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Linear;
import org.peft4j.nn.TokenBatch;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;
import org.peft4j.train.BatchSource;
import org.peft4j.train.Trainer;

/** SoRA: the proximal gate step, pruning to a plain LoRA, gradients through the gate, sparsity in training. */
class SoraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules QV = TargetModules.of("query", "value");

    @AfterAll
    static void close() { ops.close(); }

    private static List<Sora.Gated> layers(PeftModel model, String name) {
        return model.adapters().get(name).byModule().values().stream().map(a -> (Sora.Gated) a).toList();
    }

    private static int zeroGates(PeftModel model) {
        int zeros = 0;
        for (Sora.Gated layer : layers(model, "default")) zeros += layer.gate().value().size() - layer.openComponents().length;
        return zeros;
    }

    @Test
    void proximalStepSoftThresholdsAGradientStepFromTheGateBeforeTheOptimizer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("sora", 7, 8, QV).withOption("sparse_lambda", 0.5));
        double lr = 0.1, threshold = lr * 0.5;
        Sora.Gated layer = layers(model, "default").getFirst();
        Tensor g = layer.gate().value(), grad = layer.gate().grad();
        grad.copyFrom(Tensor.uniform(41, 1f, 7));
        int[] small = {1, 4, 6};
        for (int i : small) g.put(i, (float) (lr * grad.at(i) + (i - 4) * 0.01));
        float[] before = g.toArray();

        model.beforeStep(3);
        g.fill(5f);
        model.afterOptimizerStep(3, lr);

        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            double v = before[i] - lr * grad.at(i);
            double expected = Math.signum(v) * Math.max(Math.abs(v) - threshold, 0);
            assertEquals(expected, g.at(i), 1e-7, "gate " + i);
            if (expected != 0) open.add(i);
        }
        for (int i : small) assertEquals(0f, g.at(i), 0f, "gate " + i + " lies within the threshold");
        assertArrayEquals(open.stream().mapToInt(Integer::intValue).toArray(), layer.openComponents());
        assertTrue(open.size() >= 2, "gates outside the threshold stay open: " + open);
    }

    @Test
    void theProximalStepNeedsTheGateKeptBeforeTheStep() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("sora", 2, 4, QV));
        model.beforeStep(4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.afterOptimizerStep(5, 1e-3));
        assertTrue(e.getMessage().contains("needs beforeStep(5) first") && e.getMessage().contains("last kept at step 4"), e.getMessage());
    }

    @Test
    void prunedLoraComputesWhatTheGatedAdapterComputes() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("sora", 4, 8, QV), 5);
        List<Sora.Gated> layers = layers(model, "default");
        layers.get(0).gate().value().put(1, 0f);
        layers.get(0).gate().value().put(3, 0f);
        layers.get(2).gate().value().fill(0f);
        float[] gated = AdapterChecks.logits(ops, model, batch);
        List<String> modules = List.copyOf(model.adapters().get("default").byModule().keySet());
        Tensor x = Tensor.uniform(19, 1f, 5, 8);
        List<float[]> gatedLayers = modules.stream().map(m -> model.linears().get(m).forward(ops, x).toArray()).toList();

        PeftModel.AdapterSet pruned = Sora.prune(model, "default", "pruned");
        assertEquals("pruned", model.activeAdapter());
        for (int i = 0; i < modules.size(); i++) {
            assertArrayEquals(gatedLayers.get(i), model.linears().get(modules.get(i)).forward(ops, x).toArray(), 1e-6f, modules.get(i));
        }
        assertEquals(Set.of(modules.get(0), modules.get(1), modules.get(3)), pruned.byModule().keySet(), "an all-zero gate leaves no adapter");
        assertEquals(2, ((Lora.Additive) pruned.byModule().get(modules.get(0))).branch().rank());
        assertEquals(4, ((Lora.Additive) pruned.byModule().get(modules.get(1))).branch().rank());
        assertEquals((2 + 4 + 4) * 16L, pruned.trainableParameterCount());
        assertArrayEquals(gated, AdapterChecks.logits(ops, model, batch), 1e-6f);
        model.deleteAdapter("default");
        assertArrayEquals(gated, AdapterChecks.logits(ops, model, batch), 1e-6f);
    }

    @Test
    void gradientsOfAGateAAndBWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("sora", 3, 6, QV).withDropout(0.2f).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void layerGradientsOfGateFactorsAndInputWithDropoutAndRslora() {
        Linear layer = Linear.create("layer", 7, 5, true, 3);
        AdapterChecks.attach(layer, AdapterConfig.of("sora", 3, 6, QV).withDropout(0.2f).withRslora(true), 12);
        AdapterChecks.layerGradientCheck(ops, layer, 3, 13);
    }

    private static PeftModel trainedModel(double lambda, long steps, Path out, boolean resume, List<Float> losses) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            PeftModel model = AdapterChecks.adapted(AdapterConfig.of("sora", 4, 8, QV).withOption("sparse_lambda", lambda), 2);
            var optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
            BatchSource same = new BatchSource() {
                @Override public TokenBatch batch(long step) { return batch; }
                @Override public long batchesPerEpoch() { return 1; }
            };
            losses.addAll(new Trainer(model, backend, optimizer, new LearningRateSchedule.Constant(1e-2), same, null,
                    new Trainer.Settings(steps, 0, 4, 2, 1.0, out, resume, false), message -> {}).run().losses());
            return model;
        }
    }

    @Test
    void trainingWithAStrongPenaltyZeroesGatesExactly(@TempDir Path strong, @TempDir Path none) throws IOException {
        PeftModel sparse = trainedModel(8, 8, strong, false, new ArrayList<>());
        int zeros = zeroGates(sparse);
        assertTrue(zeros >= 2 && zeros < 16, zeros + " of 16 gates are zero");
        assertEquals(0, zeroGates(trainedModel(0, 8, none, false, new ArrayList<>())), "without a penalty no gate is zero");
    }

    @Test
    void trainingResumesExactly(@TempDir Path straight, @TempDir Path split) throws IOException {
        List<Float> reference = new ArrayList<>(), joined = new ArrayList<>();
        PeftModel whole = trainedModel(8, 8, straight, false, reference);
        trainedModel(8, 4, split, false, joined);
        PeftModel resumed = trainedModel(8, 8, split, true, joined);
        assertEquals(reference, joined);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(layers(whole, "default").get(i).gate().value().toArray(), layers(resumed, "default").get(i).gate().value().toArray(), 0f);
        }
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("sora", 4, 8, QV), 8);
        float[] unmerged = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertArrayEquals(unmerged, AdapterChecks.logits(ops, model, batch), 1e-5f);
    }

    @Test
    void countsAAndBAndOneGateValuePerRank() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("sora", 4, 8, QV));
        assertEquals(4L * (4 * (8 + 8) + 4), model.trainableParameterCount());
        assertEquals(Set.of("lora_A.weight", "lora_B.weight", "lora_gate.weight"), layers(model, "default").getFirst().peftTensors().keySet());
        assertFalse(layers(model, "default").getFirst().openComponents().length == 0, "gates start open");
    }

    @Test
    void clearErrors() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("a", AdapterConfig.of("sora", 2, 4, QV).withOption("sparse_lambda", -1)));
        assertTrue(e.getMessage().contains("sparse_lambda must be finite and ≥ 0"), e.getMessage());
        model.addAdapter("closed", AdapterConfig.of("sora", 2, 4, QV));
        layers(model, "closed").forEach(l -> l.gate().value().fill(0f));
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> Sora.prune(model, "closed", "p"));
        assertTrue(closed.getMessage().contains("every gate"), closed.getMessage());
        model.addAdapter("plain", AdapterConfig.of("lora", 2, 4, QV));
        e = assertThrows(IllegalArgumentException.class, () -> Sora.prune(model, "plain", "p"));
        assertTrue(e.getMessage().contains("not sora"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sora.prune(model, "missing", "p"));
        assertTrue(e.getMessage().contains("no adapter named 'missing'"), e.getMessage());
    }
}
