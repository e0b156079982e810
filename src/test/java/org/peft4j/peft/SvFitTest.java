package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.MatrixReference;
import org.peft4j.testing.TinyModels;

/** SVFit: only the top-r singular values train; the base keeps the residual. */
class SvFitTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void theBaseKeepsTheResidualAndTheSingularValuesTrain() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        String module = "encoder.layer.0.output.dense";
        Tensor w = ((DenseWeight) base.linears().get(module).weight()).dense();
        Tensor original = w.copy();
        double[] sigma = MatrixReference.singularValues(original);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("svfit", 3, 6, TARGETS));
        FrozenBasisBranch branch = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches().get(0);
        float[] trained = ((BranchCore.Diagonal) branch.core()).c().value().toArray();
        assertAllClose(Arrays.copyOf(sigma, 3), trained, 1e-5, 0, "σ' starts at the top-3 singular values");
        assertAllClose(MatrixReference.values(MatrixReference.truncated(original, 3)), branch.deltaWeight().toArray(), 1e-4, 1e-7,
                "U_r·diag(σ')·V_rᵀ = W_r");
        assertAllClose(Arrays.copyOfRange(sigma, 3, 6), Arrays.copyOf(MatrixReference.floats(MatrixReference.singularValues(w)), 3), 1e-4, 1e-7,
                "the residual W_e keeps the remaining singular values");
    }

    @Test
    void theLayerStartsAtTheOriginalOutputAndReturnsThereWhenSigmaIsReset() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 6);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("svfit", 3, 6, TARGETS));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 1e-5f);
        float[][] initial = set.byModule().values().stream().map(SvFitTest::sigma).map(Tensor::toArray).toArray(float[][]::new);
        AdapterChecks.perturbTrainable(model, 60, 0.3f);
        assertFalse(Arrays.equals(before, AdapterChecks.logits(ops, model, batch)));
        int i = 0;
        for (Adapter adapter : set.byModule().values()) sigma(adapter).copyFrom(Tensor.of(initial[i++], 3));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 1e-5f, "δ = σ' − σ = 0 ⇒ unchanged");
    }

    @Test
    void gradientOfTheSingularValuesWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("svfit", 3, 6, TARGETS).withDropout(0.2f).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("svfit", 3, 6, TARGETS).withDropout(0.2f), 6), batch, 99);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        AdapterChecks.mergeMatchesUnmerged(ops, AdapterChecks.adapted(AdapterConfig.of("svfit", 3, 6, TARGETS), 5), batch, 1e-5f);
    }

    @Test
    void rValuesTrainPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("svfit", 3, 6, TARGETS));
        assertEquals(8L * 3, model.trainableParameterCount());
        for (Parameter p : model.parameters()) assertEquals(p.name().contains(".svfit_S."), p.trainable(), p.name());
    }

    private static Tensor sigma(Adapter adapter) {
        return ((BranchCore.Diagonal) ((FrozenBasisBranch.Additive) adapter).branches().get(0).core()).c().value();
    }
}
