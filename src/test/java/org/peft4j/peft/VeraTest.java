package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.ReferenceOps;
import org.peft4j.testing.TinyModels;

/** VeRA's shared projections, its formula, finite differences, merging and its parameter count. */
class VeraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    /** Layers of three shapes (out × in): 8×8, 12×8 and 8×12. */
    private static final TargetModules MIXED = TargetModules.of("value", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void sharedProjectionsFitTheLargestLayerAndEveryLayerSlicesThem() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("vera", 3, 1, MIXED));
        Map<String, Tensor> shared = set.sharedPeftTensors();
        assertEquals(Set.of("vera_A", "vera_B"), shared.keySet());
        Tensor a = shared.get("vera_A"), b = shared.get("vera_B");
        assertArrayEquals(new int[] {3, 12}, a.shape());
        assertArrayEquals(new int[] {12, 3}, b.shape());
        assertTrue(max(a) <= Math.sqrt(6.0 / 12) && max(a) > 0.8 * Math.sqrt(6.0 / 12), "A uniform in ±√(6/in_max): max " + max(a));
        assertTrue(max(b) <= Math.sqrt(6.0 / 3) && max(b) > 0.8 * Math.sqrt(6.0 / 3), "B uniform in ±√(6/r): max " + max(b));
        assertEquals(8, set.byModule().size());
        set.byModule().forEach((module, adapter) -> {
            Vera.Layer layer = (Vera.Layer) adapter;
            int in = model.linears().get(module).inFeatures(), out = model.linears().get(module).outFeatures();
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < in; j++) assertEquals(a.get(k, j), layer.projectionA().get(k, j), 0f, module + " A");
            }
            assertArrayEquals(b.slice(0, out).toArray(), layer.projectionB().toArray(), 0f, module + " B");
            assertEquals(Set.of("vera_lambda_b", "vera_lambda_d"), layer.peftTensors().keySet());
        });
    }

    @Test
    void theSameKeyRegeneratesTheSameProjections() {
        AdapterConfig config = AdapterConfig.of("vera", 2, 1, MIXED).withOption("projection_prng_key", 17);
        Map<String, Tensor> first = new PeftModel(TinyModels.bertClassifier(0f, 3)).addAdapter("default", config).sharedPeftTensors();
        Map<String, Tensor> again = new PeftModel(TinyModels.bertClassifier(0f, 4)).addAdapter("default", config).sharedPeftTensors();
        Map<String, Tensor> other = new PeftModel(TinyModels.bertClassifier(0f, 3))
                .addAdapter("default", config.withOption("projection_prng_key", 18)).sharedPeftTensors();
        for (String key : first.keySet()) {
            assertArrayEquals(first.get(key).toArray(), again.get(key).toArray(), 0f, key);
            assertFalse(Arrays.equals(first.get(key).toArray(), other.get(key).toArray()), key + " differs for another key");
        }
    }

    @Test
    void startsAtTheBaseAndUpdatesByScaledProjections() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 5);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("vera", 3, 1, MIXED));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
        Vera.Layer layer = (Vera.Layer) set.byModule().get("encoder.layer.0.intermediate.dense");
        for (float d : layer.peftTensors().get("vera_lambda_d").toArray()) assertEquals(0.1f, d, 0f);

        AdapterChecks.perturbTrainable(model, 6, 0.5f);
        Tensor d = layer.peftTensors().get("vera_lambda_d"), b = layer.peftTensors().get("vera_lambda_b");
        Tensor pa = layer.projectionA(), pb = layer.projectionB();
        int out = pb.rows(), in = pa.cols(), r = d.size();
        double[] expected = new double[out * in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                for (int k = 0; k < r; k++) expected[i * in + j] += (double) b.at(i) * pb.get(i, k) * d.at(k) * pa.get(k, j);
            }
        }
        Tensor w = ((DenseWeight) model.linears().get("encoder.layer.0.intermediate.dense").weight()).dense();
        assertAllClose(expected, layer.deltaWeight(w).toArray(), 1e-5, 1e-7, "ΔW = Λ_b·B·Λ_d·A");
    }

    @Test
    void gradientsOfBothScalingVectorsWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("vera", 3, 1, MIXED).withDropout(0.2f).withModulesToSave("classifier"), 7), batch);
    }

    @Test
    void recordedPlanReplaysTheStepWithNewParameters() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("vera", 2, 1, MIXED).withDropout(0.2f), 9), batch, 10);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("vera", 2, 1, MIXED), 8);
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertAllClose(ReferenceOps.toDouble(adapted), AdapterChecks.logits(ops, model, batch), 1e-5, 1e-6, "merged VeRA");
    }

    @Test
    void trainsRPlusOutValuesPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("vera", 4, 1, MIXED));
        // per encoder layer: value 8×8, attention.output.dense 8×8, intermediate.dense 12×8, output.dense 8×12
        long perLayer = (4 + 8) + (4 + 8) + (4 + 12) + (4 + 8);
        assertEquals(2 * perLayer, set.trainableParameterCount());
        assertEquals(2 * perLayer, model.trainableParameterCount());
    }

    @Test
    void rejectsPerModuleRanksAndRsLora() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.addAdapter("a",
                AdapterConfig.of("vera", 2, 1, MIXED).withPatterns(Map.of("encoder.layer.1.attention.self.value", 3), Map.of())));
        assertTrue(e.getMessage().contains("rank_pattern") && e.getMessage().contains("encoder.layer.1.attention.self.value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.addAdapter("b", AdapterConfig.of("vera", 2, 1, MIXED).withRslora(true)));
        assertTrue(e.getMessage().contains("use_rslora"), e.getMessage());
    }

    private static float max(Tensor t) {
        float m = 0;
        for (float v : t.toArray()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
