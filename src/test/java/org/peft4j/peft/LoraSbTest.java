package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.MatrixReference;
import org.peft4j.testing.TinyModels;

/** LoRA-SB: LoRA-XS's architecture initialised from the accumulated full-weight gradient. */
class LoraSbTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    /** A second batch of another shape, so that the accumulated mean is over different gradients. */
    private static final TokenBatch other = new TokenBatch(new IntTensor(new int[] {4, 11, 3, 7, 1, 9, 2, 2, 0, 0}, new int[] {2, 5}),
            new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new int[] {2, 5}),
            new IntTensor(new int[] {0, 0, 1, 1, 1, 0, 1, 1, 0, 0}, new int[] {2, 5}), new IntTensor(new int[] {2, 1}, new int[] {2}));
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void beforeInitialisationTheOutputIsUnchangedAndTrainingIsRefused() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", AdapterConfig.of("lora-sb", 2, 2, TARGETS));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> model.beforeStep(0));
        assertTrue(refused.getMessage().contains("LoraSb.initializeFromGradients"), refused.getMessage());
    }

    @Test
    void theFirstUpdateIsTheBestRankRApproximationOfTheGradientStep() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("lora-sb", 2, 6, TARGETS));
        Map<String, Tensor> gradients = new LinkedHashMap<>();
        long seed = 17;
        for (String module : set.byModule().keySet()) {
            var linear = model.linears().get(module);
            gradients.put(module, Tensor.normal(seed++, 1f, linear.outFeatures(), linear.inFeatures()));
        }
        float eta = 0.01f;
        LoraSb.initializeFromGradients(model, "default", gradients, eta, LoraSb.FirstUpdate.GRADIENT);
        model.beforeStep(0);
        gradients.forEach((module, g) -> {
            FrozenBasisBranch branch = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches().get(0);
            assertEquals(3f, branch.scale(), 0f, "s = α/r");
            RealMatrix b = MatrixReference.of(branch.b());
            assertAllClose(MatrixReference.values(MatrixReference.truncated(g, 2).scalarMultiply(-eta)),
                    MatrixReference.floats(MatrixReference.of(branch.deltaWeight())), 1e-4, 1e-8, module + ": s·B·R·A = −η·G_r");
            assertAllClose(MatrixReference.values(b), MatrixReference.floats(MatrixReference.topLeftProjector(g, 2).multiply(b)), 0, 1e-5,
                    module + ": B lies in G's top-2 left singular subspace");
            assertAllClose(MatrixReference.values(MatrixUtils.createRealIdentityMatrix(2)), MatrixReference.floats(b.transpose().multiply(b)),
                    0, 1e-5, module + ": B has orthonormal columns");
        });
    }

    @Test
    void theSignInitialisationIsAdamsFirstStepForARankOneGradient() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("lora-sb", 2, 2, TargetModules.of("intermediate.dense")));
        Map<String, Tensor> gradients = new LinkedHashMap<>();
        for (String module : set.byModule().keySet()) {
            Tensor u = Tensor.normal(5, 1f, 12, 1), v = Tensor.normal(6, 1f, 1, 8);
            gradients.put(module, Tensor.of(MatrixReference.floats(MatrixReference.of(u).multiply(MatrixReference.of(v))), 12, 8));
        }
        float eta = 0.003f;
        LoraSb.initializeFromGradients(model, "default", gradients, eta, LoraSb.FirstUpdate.SIGN);
        gradients.forEach((module, g) -> {
            float[] adamStep = new float[g.size()];
            for (int i = 0; i < adamStep.length; i++) adamStep[i] = -eta * Math.signum(g.at(i));
            FrozenBasisBranch branch = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches().get(0);
            assertArrayEquals(adamStep, branch.deltaWeight().toArray(), 1e-8f, module + ": −η·sign(G) has rank 1, so rank 2 holds it exactly");
        });
    }

    @Test
    void accumulatedGradientsAreTheMeanBaseWeightGradientAndTheBaseStaysFrozen() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 8));
        model.addAdapter("default", AdapterConfig.of("lora-sb", 2, 2, TARGETS).withModulesToSave("classifier"));
        Map<String, Tensor> mean = LoraSb.accumulateGradients(ops, model, "default", List.of(batch, other));
        assertEquals(model.adapters().get("default").byModule().keySet(), mean.keySet());
        for (Parameter p : model.parameters()) {
            assertEquals(p.name().contains(".lora_latent_mapping.") || p.name().startsWith("classifier."), p.trainable(), p.name());
            if (p.trainable()) assertArrayEquals(new float[p.value().size()], p.grad().toArray(), 0f, p.name() + " gradient left zeroed");
        }
        for (String module : List.of("encoder.layer.0.intermediate.dense", "encoder.layer.1.output.dense")) {
            Tensor w = ((DenseWeight) model.linears().get(module).weight()).dense();
            for (int i : new int[] {0, 5, w.size() - 1}) {
                double numeric = centralDifference(model, w, i, 1e-2);
                assertEquals(numeric, mean.get(module).at(i), 1e-4 + 2e-2 * Math.abs(numeric), module + "[" + i + "]");
            }
        }
    }

    @Test
    void aGradientStepInitialisationLowersTheLoss() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 9));
        model.addAdapter("default", AdapterConfig.of("lora-sb", 2, 2, TARGETS));
        double before = AdapterChecks.loss(ops, model, batch);
        Map<String, Tensor> g = LoraSb.accumulateGradients(ops, model, "default", List.of(batch));
        LoraSb.initializeFromGradients(model, "default", g, 0.5f, LoraSb.FirstUpdate.GRADIENT);
        double after = AdapterChecks.loss(ops, model, batch);
        assertTrue(after < before, "loss " + before + " → " + after);
    }

    @Test
    void gradientOfTheCoreAfterInitialisation() {
        PeftModel model = initialised(0.1f, AdapterConfig.of("lora-sb", 2, 4, TARGETS).withDropout(0.2f).withModulesToSave("classifier"), 4);
        AdapterChecks.perturbTrainable(model, 40, 0.3f);
        AdapterChecks.gradientCheck(ops, model, batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        PeftModel model = initialised(0.1f, AdapterConfig.of("lora-sb", 2, 4, TARGETS).withDropout(0.2f), 6);
        AdapterChecks.perturbTrainable(model, 60, 0.3f);
        AdapterChecks.planReplaysTheStep(ops, model, batch, 99);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        PeftModel model = initialised(0f, AdapterConfig.of("lora-sb", 2, 4, TARGETS), 5);
        AdapterChecks.perturbTrainable(model, 50, 0.3f);
        AdapterChecks.mergeMatchesUnmerged(ops, model, batch, 1e-5f);
    }

    @Test
    void onlyTheCoresTrainRSquaredValuesPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("lora-sb", 3, 3, TARGETS));
        assertEquals(8L * 3 * 3, model.trainableParameterCount());
    }

    @Test
    void clearErrorsForAnotherMethodMissingOrMisshapenGradients() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("xs", AdapterConfig.of("lora-xs", 2, 2, TargetModules.of("query")));
        model.addAdapter("sb", AdapterConfig.of("lora-sb", 2, 2, TargetModules.of("query")));
        Map<String, Tensor> none = Map.of();
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> LoraSb.initializeFromGradients(model, "xs", none, 0.1f, LoraSb.FirstUpdate.SIGN));
        assertTrue(wrong.getMessage().contains("lora-xs, not lora-sb"), wrong.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LoraSb.initializeFromGradients(model, "sb", none, 0.1f, LoraSb.FirstUpdate.SIGN));
        assertTrue(missing.getMessage().contains("encoder.layer.0.attention.self.query"), missing.getMessage());
        Map<String, Tensor> misshapen = new LinkedHashMap<>();
        for (String m : model.adapters().get("sb").byModule().keySet()) misshapen.put(m, Tensor.zeros(8, 7));
        assertThrows(ShapeException.class, () -> LoraSb.initializeFromGradients(model, "sb", misshapen, 0.1f, LoraSb.FirstUpdate.SIGN));
        Map<String, Tensor> diverged = new LinkedHashMap<>();
        for (String m : model.adapters().get("sb").byModule().keySet()) diverged.put(m, Tensor.zeros(8, 8).fill(Float.NaN));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> LoraSb.initializeFromGradients(model, "sb", diverged, 0.1f, LoraSb.FirstUpdate.GRADIENT));
        assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraSb.accumulateGradients(ops, model, "sb", List.of()));
        assertFalse(model.parameters().stream().filter(p -> p.name().endsWith(".query.weight")).anyMatch(Parameter::trainable),
                "the base weights are frozen again after a failed accumulation");
    }

    /** A model with the LoRA-SB adapter initialised from the gradient of two batches (sign form). */
    private static PeftModel initialised(float dropout, AdapterConfig config, long seed) {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(dropout, seed));
        model.addAdapter("default", config);
        LoraSb.initializeFromGradients(model, "default", LoraSb.accumulateGradients(ops, model, "default", List.of(batch, other)),
                0.05f, LoraSb.FirstUpdate.SIGN);
        return model;
    }

    /** d(mean loss over both batches)/dw[i] by float64 central differences. */
    private static double centralDifference(PeftModel model, Tensor w, int i, double h) {
        float original = w.at(i), plus = (float) (original + h), minus = (float) (original - h);
        w.put(i, plus);
        double lossPlus = (AdapterChecks.loss(ops, model, batch) + AdapterChecks.loss(ops, model, other)) / 2;
        w.put(i, minus);
        double lossMinus = (AdapterChecks.loss(ops, model, batch) + AdapterChecks.loss(ops, model, other)) / 2;
        w.put(i, original);
        return (lossPlus - lossMinus) / ((double) plus - (double) minus);
    }
}
