package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.Arrays;
import org.apache.commons.math3.linear.RealMatrix;
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

/** SALT: scale and shift of the top singular values plus a LoRA on the remaining singular directions. */
class SaltTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    private static AdapterConfig salt(int r, int q) {
        return salt(r, q, TARGETS);
    }

    private static AdapterConfig salt(int r, int q, TargetModules targets) {
        return AdapterConfig.of("salt", r, 1, targets).withOption("salt_lora_rank", q);
    }

    @Test
    void theLayerStartsExactlyAtTheOriginalOutput() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", salt(3, 2));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f, "α = 1, β = 0, Y = 0");
    }

    @Test
    void scaleAndShiftMoveTheTopSingularValuesAndLeaveTheRest() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        String module = "encoder.layer.1.intermediate.dense";
        Tensor w = ((DenseWeight) base.linears().get(module).weight()).dense();
        double[] sigma = MatrixReference.singularValues(w);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", salt(3, 2));
        var branches = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches();
        var top = (BranchCore.ScaleShift) branches.get(0).core();
        float[] alpha = {2f, 1.5f, 0.5f}, beta = {0.01f, -0.02f, 0.03f};
        top.alpha().value().copyFrom(Tensor.of(alpha.clone(), 3));
        top.beta().value().copyFrom(Tensor.of(beta.clone(), 3));
        ((BranchCore.LowRank) branches.get(1).core()).y().value().copyFrom(Tensor.normal(7, 1f, 2, 5));
        ((BranchCore.LowRank) branches.get(1).core()).x().value().fill(0f);
        double[] expected = sigma.clone();
        for (int i = 0; i < 3; i++) expected[i] = alpha[i] * sigma[i] + beta[i];
        Arrays.sort(expected);
        Tensor adapted = w.copy();
        Tensor delta = set.byModule().get(module).deltaWeight(w);
        for (int i = 0; i < adapted.size(); i++) adapted.put(i, adapted.at(i) + delta.at(i));
        double[] actual = MatrixReference.singularValues(adapted);
        Arrays.sort(actual);
        assertAllClose(expected, MatrixReference.floats(actual), 1e-4, 1e-7, "σ(W + ΔW) = {α ⊙ σ_r + β} ∪ σ_⊥ when X·Y = 0");
    }

    @Test
    void theFrozenBasesAreTheSingularVectorsOfTheWeight() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        String module = "encoder.layer.0.output.dense";
        Tensor w = ((DenseWeight) base.linears().get(module).weight()).dense();
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", salt(3, 2));
        var branches = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches();
        RealMatrix u = MatrixReference.of(branches.get(0).b()).transpose(), v = MatrixReference.of(branches.get(0).a());
        RealMatrix uRest = MatrixReference.of(branches.get(1).b()).transpose(), vRest = MatrixReference.of(branches.get(1).a());
        RealMatrix ut = new org.apache.commons.math3.linear.Array2DRowRealMatrix(8, 8), vt = new org.apache.commons.math3.linear.Array2DRowRealMatrix(8, 12);
        ut.setSubMatrix(u.getData(), 0, 0);
        ut.setSubMatrix(uRest.getData(), 3, 0);
        vt.setSubMatrix(v.getData(), 0, 0);
        vt.setSubMatrix(vRest.getData(), 3, 0);
        RealMatrix core = ut.multiply(MatrixReference.of(w)).multiply(vt.transpose());
        double[] sigma = MatrixReference.singularValues(w);
        RealMatrix diagonal = org.apache.commons.math3.linear.MatrixUtils.createRealDiagonalMatrix(sigma);
        assertAllClose(MatrixReference.values(diagonal), MatrixReference.floats(core), 1e-4, 1e-6, "Uᵀ·W·V = diag(σ)");
    }

    @Test
    void gradientsOfScaleShiftAndTheResidualLoraWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(salt(3, 2, TARGETS.inLayers(1)).withDropout(0.2f)
                .withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(salt(3, 2).withDropout(0.2f), 6), batch, 99);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        AdapterChecks.mergeMatchesUnmerged(ops, AdapterChecks.adapted(salt(3, 2), 5), batch, 1e-5f);
    }

    @Test
    void twoRPlusTwoResidualTimesQValuesTrainPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", salt(3, 2));
        assertEquals(8L * (2 * 3 + 2 * (8 - 3) * 2), model.trainableParameterCount(), "every targeted layer has k = 8");
        for (Parameter p : model.parameters()) assertEquals(p.name().contains(".trainable_"), p.trainable(), p.name());
        PeftModel full = new PeftModel(TinyModels.bertClassifier(0f, 3));
        full.addAdapter("default", AdapterConfig.of("salt", 8, 1, TargetModules.of("query")));
        assertEquals(2L * 2 * 8, full.trainableParameterCount(), "r = k leaves no residual LoRA");
    }

    @Test
    void aBadResidualRankIsRefused() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.addAdapter("default", salt(3, 0)));
        assertTrue(e.getMessage().contains("salt_lora_rank"), e.getMessage());
    }
}
