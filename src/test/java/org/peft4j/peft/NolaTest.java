package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

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

/** NOLA's basis mixtures, finite differences, merging and its parameter count. */
class NolaTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void oneHotCoefficientsSelectOneBasisMatrix() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("nola", 3, 6, TARGETS).withOption("num_basis", 7));
        String module = "encoder.layer.1.intermediate.dense";
        Nola.Layer layer = (Nola.Layer) set.byModule().get(module);
        int j = 4, l = 2, r = 3, in = 8, out = 12;
        layer.peftTensors().get("nola_alpha").put(j, 1f);
        layer.peftTensors().get("nola_beta").put(l, 1f);
        Tensor delta = layer.deltaWeight(((DenseWeight) model.linears().get(module).weight()).dense());

        Tensor a = layer.branch().a().value(), b = layer.branch().b().value();
        for (int i = 0; i < r * in; i++) {
            assertEquals(layer.initialA().at(i) + layer.basesA().get(j, i), a.at(i), 1e-6f, "A = A₀ + A_j at " + i);
        }
        assertArrayEquals(layer.basesB().slice(l, l + 1).toArray(), b.toArray(), 0f, "B = B_l");
        double[] expected = new double[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int k = 0; k < r; k++) expected[o * in + i] += 2.0 * b.get(o, k) * a.get(k, i);
            }
        }
        assertAllClose(expected, delta.toArray(), 1e-5, 1e-7, "ΔW = s·B·A with s = 6/3");
        for (float v : layer.basesA().toArray()) assertTrue(Math.abs(v) <= 1 / Math.sqrt(7), "basis value " + v + " within ±1/√k");
    }

    @Test
    void startsAtTheBaseOutput() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 5);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", AdapterConfig.of("nola", 2, 4, TARGETS).withOption("num_basis", 5));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
    }

    @Test
    void gradientsOfTheCoefficientsWithDropout() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("nola", 3, 6, TARGETS).withOption("num_basis", 5).withDropout(0.2f), 7), batch);
    }

    @Test
    void recordedPlanReplaysTheStepWithNewParameters() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("nola", 2, 4, TARGETS).withOption("num_basis", 5).withDropout(0.2f), 9), batch, 10);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("nola", 2, 4, TARGETS).withOption("num_basis", 6), 8);
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertAllClose(ReferenceOps.toDouble(adapted), AdapterChecks.logits(ops, model, batch), 1e-5, 1e-6, "merged NOLA");
    }

    @Test
    void trainsTwoCoefficientsPerBasisAndLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("nola", 2, 4, TARGETS));
        assertEquals(4L * 2 * 128, model.trainableParameterCount(), "default num_basis 128");
        assertEquals(Set.of("nola_alpha", "nola_beta"), set.byModule().values().iterator().next().peftTensors().keySet());
        assertEquals(4L * 2 * 9, new PeftModel(TinyModels.bertClassifier(0f, 3))
                .addAdapter("default", AdapterConfig.of("nola", 2, 4, TARGETS).withOption("num_basis", 9)).trainableParameterCount());
    }

    @Test
    void rejectsANumberOfBasesThatIsNotAPositiveWholeNumber() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        for (double bad : new double[] {0, 2.5}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.addAdapter("x", AdapterConfig.of("nola", 2, 4, TARGETS).withOption("num_basis", bad)));
            assertTrue(e.getMessage().contains("num_basis"), e.getMessage());
        }
    }
}
