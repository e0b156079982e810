package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.ReferenceOps;
import org.peft4j.testing.TinyModels;

/** RandLoRA against PEFT's formula, its full-rank capacity, finite differences, merging and its parameter count. */
class RandLoraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    /** Layers of three shapes (out × in): 8×8 and 12×8 (in ≤ out), 8×12 (in > out). */
    private static final TargetModules MIXED = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    /**
     * PEFT's get_delta_weight, restated: update_A[k·n + b, j] = λ[k, b]·A[k, 0, j]·γ[b, j],
     * update_B[i, b·r + k] = B[i, b, k]; ΔW = s·update_B·update_A, transposed when in > out.
     */
    @Test
    void deltaWeightFollowsPeftsScaledSharedBasesForBothOrientations() {
        int r = 3;
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("randlora", r, 5, MIXED), 4);
        var set = model.adapters().get("default");
        Map<String, Tensor> shared = set.sharedPeftTensors();
        Tensor a = shared.get("randlora_A"), b = shared.get("randlora_B");
        assertArrayEquals(new int[] {r, 1, 12}, a.shape(), "randlora_A [r, 1, min of the largest shape 12×12]");
        assertArrayEquals(new int[] {12, 4, r}, b.shape(), "randlora_B [max, ⌈12/3⌉, r]");
        assertEquals(1.0, sampleStd(a), 1e-5);
        assertEquals(1.0, sampleStd(b), 1e-5);
        for (String module : new String[] {"encoder.layer.0.attention.self.query", "encoder.layer.1.intermediate.dense", "encoder.layer.1.output.dense"}) {
            Adapter layer = set.byModule().get(module);
            Tensor w = ((DenseWeight) model.linears().get(module).weight()).dense();
            int out = w.rows(), in = w.cols(), small = Math.min(in, out), large = Math.max(in, out), n = (small + r - 1) / r;
            Tensor lambda = layer.peftTensors().get("randlora_lambda"), gamma = layer.peftTensors().get("randlora_gamma");
            assertArrayEquals(new int[] {r, n}, lambda.shape());
            assertArrayEquals(new int[] {n, small}, gamma.shape());
            double[][] product = new double[large][small];
            for (int i = 0; i < large; i++) {
                for (int bb = 0; bb < n; bb++) {
                    for (int k = 0; k < r; k++) {
                        double basis = b.get(i, bb, k);
                        int c = bb * r + k, kk = c / n, bk = c % n;
                        for (int j = 0; j < small; j++) product[i][j] += basis * lambda.get(kk, bk) * a.get(kk, 0, j) * gamma.get(bk, j);
                    }
                }
            }
            double[] expected = new double[out * in];
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) expected[i * in + j] = 5.0 / r * (in <= out ? product[i][j] : product[j][i]);
            }
            assertAllClose(expected, layer.deltaWeight(w).toArray(), 1e-5, 1e-6, module + " ΔW");
        }
    }

    /** Singular values below 1e-6·σ₁ are float32 rounding: a rank-2 LoRA update has six of them, RandLoRA's none. */
    @Test
    void updatesHaveFullRankWhereLoraOfTheSameRankHasR() {
        PeftModel randLora = AdapterChecks.adapted(AdapterConfig.of("randlora", 2, 4, MIXED), 5);
        PeftModel lora = AdapterChecks.adapted(AdapterConfig.of("lora", 2, 4, MIXED), 5);
        for (String module : new String[] {"encoder.layer.0.attention.self.query", "encoder.layer.0.output.dense"}) {
            assertEquals(8, numericalRank(randLora, module), module + ": four rank-2 bases give ΔW full rank 8");
            assertEquals(2, numericalRank(lora, module), module + ": LoRA's ΔW has rank r = 2");
        }
    }

    private static int numericalRank(PeftModel model, String module) {
        Tensor w = ((DenseWeight) model.linears().get(module).weight()).dense();
        Svd svd = Svd.top(model.adapters().get("default").byModule().get(module).deltaWeight(w), 8);
        int rank = 0;
        for (int i = 0; i < 8; i++) if (svd.s().at(i) > 1e-6 * svd.s().at(0)) rank++;
        return rank;
    }

    @Test
    void startsAtTheBaseOutputWithPeftsInitialScalings() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 6);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("randlora", 3, 6, MIXED));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
        Map<String, Tensor> tensors = set.byModule().get("encoder.layer.0.output.dense").peftTensors();
        assertEquals(Set.of("randlora_lambda", "randlora_gamma"), tensors.keySet());
        for (float v : tensors.get("randlora_lambda").toArray()) assertEquals(0f, v, 0f);
        for (float v : tensors.get("randlora_gamma").toArray()) assertEquals(1f / 8, v, 0f, "γ = 1/max(n, min(in, out))");
    }

    @Test
    void gradientsOfLambdaAndGammaWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(AdapterConfig.of("randlora", 3, 6,
                TargetModules.of("intermediate.dense", "output.dense").inLayers(1)).withDropout(0.2f), 7), batch);
    }

    @Test
    void recordedPlanReplaysTheStepWithNewParameters() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("randlora", 2, 4, MIXED).withDropout(0.2f), 9), batch, 10);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("randlora", 2, 4, MIXED), 8);
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertAllClose(ReferenceOps.toDouble(adapted), AdapterChecks.logits(ops, model, batch), 1e-5, 1e-6, "merged RandLoRA");
    }

    @Test
    void trainsRTimesNPlusNTimesMinPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("randlora", 3, 6, MIXED));
        // n = ⌈8/3⌉ = 3 bases for every shape here (min(in, out) = 8): 3·3 + 3·8 per layer
        long perModule = 3 * 3 + 3 * 8;
        assertEquals(2 * 4 * perModule, model.trainableParameterCount(), "query, attention.output.dense, intermediate.dense, output.dense in 2 layers");
    }

    @Test
    void rejectsRsLoraAndOtherInitialisations() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("a", AdapterConfig.of("randlora", 2, 4, MIXED).withRslora(true)));
        assertTrue(e.getMessage().contains("RandLoRA") && e.getMessage().contains("use_rslora"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.addAdapter("b", AdapterConfig.of("randlora", 2, 4, MIXED).withInit("pissa")));
        assertTrue(e.getMessage().contains("pissa"), e.getMessage());
    }

    private static double sampleStd(Tensor t) {
        double mean = 0, squares = 0;
        for (float v : t.toArray()) mean += v;
        mean /= t.size();
        for (float v : t.toArray()) squares += (v - mean) * (v - mean);
        return Math.sqrt(squares / (t.size() - 1));
    }
}
