package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.linalg.Ldu;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** LoLDU: frozen L and U factors of the pivoted LDU decomposition around a trainable diagonal and scale. */
class LolduTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void theFactorsReconstructTheMatrixAndAreUnitTriangular() {
        int[][] shapes = {{1, 1}, {1, 5}, {5, 1}, {7, 3}, {3, 7}, {33, 17}, {17, 33}, {65, 65}};
        long seed = 1;
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = Math.min(m, n);
            Tensor w = Tensor.normal(seed++, 1f, m, n);
            Ldu ldu = Ldu.of(w);
            double[] product = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += (double) ldu.l().at(i * k + p) * ldu.d().at(p) * ldu.u().at(p * n + j);
                    product[ldu.rows()[i] * n + j] = sum;
                }
            }
            assertAllClose(product, w.toArray(), 1e-5, 1e-5, m + "×" + n + ": P·L·diag(D)·U = W");
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    float lv = ldu.l().at(i * k + p);
                    if (p > i) assertEquals(0f, lv, m + "×" + n + ": L is lower triangular");
                    if (p == i) assertEquals(1f, lv, m + "×" + n + ": L has a unit diagonal");
                    assertTrue(Math.abs(lv) <= 1f, "partial pivoting bounds |L| by 1");
                }
            }
            for (int p = 0; p < k; p++) {
                for (int j = 0; j <= p && j < n; j++) assertEquals(j == p ? 1f : 0f, ldu.u().at(p * n + j), 1e-6f, m + "×" + n + ": U is unit upper");
            }
        }
    }

    @Test
    void theFrozenFactorsOfAnAdapterReconstructItsLeadingPart() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        String module = "encoder.layer.1.intermediate.dense";
        Tensor w = ((DenseWeight) base.linears().get(module).weight()).dense();
        float[] original = w.toArray();
        Ldu ldu = Ldu.of(w);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("loldu", 3, 6, TARGETS));
        FrozenBasisBranch branch = ((FrozenBasisBranch.Additive) set.byModule().get(module)).branches().get(0);
        var core = (BranchCore.ScaledDiagonal) branch.core();
        assertArrayEquals(ldu.leadingPivots(3).toArray(), core.z().value().toArray(), 0f, "z = D_r");
        assertEquals(2f, core.k().value().at(0), 0f, "k = α/r");
        float[] restored = w.toArray();
        Tensor delta = branch.deltaWeight();
        for (int i = 0; i < restored.length; i++) restored[i] += delta.at(i);
        assertArrayEquals(original, restored, 1e-7f, "residual + k·P·L_r·diag(D_r)·U_r = W");
    }

    @Test
    void theLayerStartsAtTheOriginalOutput() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 6);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", AdapterConfig.of("loldu", 3, 6, TARGETS));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 1e-5f, "default: residual base + LDU part");
        model.deleteAdapter("default");
        model.addAdapter("zeros", AdapterConfig.of("loldu", 3, 6, TARGETS).withInit("zeros"));
        assertArrayEquals(AdapterChecks.logits(ops, model.base(), batch), AdapterChecks.logits(ops, model, batch), 0f, "zeros: z = 0 adds nothing");
    }

    @Test
    void gradientsOfTheDiagonalAndTheScaleWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("loldu", 3, 6, TARGETS).withDropout(0.2f).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("loldu", 3, 6, TARGETS).withDropout(0.2f), 6), batch, 99);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        AdapterChecks.mergeMatchesUnmerged(ops, AdapterChecks.adapted(AdapterConfig.of("loldu", 3, 6, TARGETS), 5), batch, 1e-5f);
    }

    @Test
    void rPlusOneValuesTrainPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("loldu", 3, 6, TARGETS));
        assertEquals(8L * (3 + 1), model.trainableParameterCount());
        for (Parameter p : model.parameters()) {
            assertEquals(p.name().contains(".vector_z.") || p.name().contains(".scaling_factor."), p.trainable(), p.name());
        }
    }

    @Test
    void aRankDeficientWeightIsRefusedByName() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        ((DenseWeight) base.linears().get("encoder.layer.0.attention.self.query").weight()).dense().fill(0f);
        PeftModel model = new PeftModel(base);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("default", AdapterConfig.of("loldu", 2, 2, TargetModules.of("query"))));
        assertTrue(e.getMessage().contains("encoder.layer.0.attention.self.query") && e.getMessage().contains("pivot 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("other", AdapterConfig.of("loldu", 2, 2, TargetModules.of("value")).withInit("gaussian")));
    }
}
