package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

class AlloraTest {
    private static final JvmBackend OPS = new JvmBackend(1);

    @AfterAll
    static void close() { OPS.close(); }

    /**
     * By hand, η = 2 (1/η² = 0.25): A's rows [3, 4] (‖·‖² = 25) and [0, 0] scale their gradients by 1/√25.25 and
     * 1/√0.25 = 2; B = 0 at initialisation, so all of its gradient is doubled.
     */
    @Test
    void scalesEachRowByItsHandComputedFactor() {
        Parameter a = Parameter.trainable("m.lora_A.weight", Tensor.of(new float[] {3, 4, 0, 0}, 2, 2));
        Parameter b = Parameter.trainable("m.lora_B.weight", Tensor.zeros(3, 2));
        a.grad().copyFrom(Tensor.of(new float[] {1, -2, 0.5f, 3}, 2, 2));
        b.grad().copyFrom(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        new Allora(List.of(new LoraPair(a, b, 1)), 2).adjust(OPS);
        double first = 1 / Math.sqrt(25.25);
        assertArrayEquals(new float[] {(float) first, (float) (-2 * first), 1, 6}, a.grad().toArray(), 1e-7f);
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, b.grad().toArray(), 0f);
    }

    /** Random odd shapes against a plain double loop: g_ij / √(Σ_k θ_ik² + 1/η²), within float32 rounding. */
    @Test
    void matchesThePlainFormulaOnRandomFactors() {
        Parameter a = Parameter.trainable("m.lora_A.weight", Tensor.normal(3, 0.5f, 7, 33));
        Parameter b = Parameter.trainable("m.lora_B.weight", Tensor.normal(4, 0.05f, 65, 7));
        double eta = 8;
        List<float[]> before = List.of(a.value().toArray(), b.value().toArray());
        for (Parameter p : List.of(a, b)) p.grad().copyFrom(Tensor.normal(p.name().length(), 1f, p.value().shape()));
        List<float[]> grads = List.of(a.grad().toArray(), b.grad().toArray());
        new Allora(List.of(new LoraPair(a, b, 1)), eta).adjust(OPS);
        List<Parameter> factors = List.of(a, b);
        for (int f = 0; f < 2; f++) {
            Tensor theta = factors.get(f).value();
            int cols = theta.cols();
            for (int i = 0; i < theta.rows(); i++) {
                double squares = 0;
                for (int j = 0; j < cols; j++) squares += Math.pow(before.get(f)[i * cols + j], 2);
                for (int j = 0; j < cols; j++) {
                    double expected = grads.get(f)[i * cols + j] / Math.sqrt(squares + 1 / (eta * eta));
                    assertEquals(expected, factors.get(f).grad().at(i * cols + j), 1e-6 * Math.abs(expected) + 1e-12);
                }
            }
        }
    }

    @Test
    void rejectsScaledLoraAndBadEta() {
        Parameter a = Parameter.trainable("m.lora_A.weight", Tensor.zeros(2, 3));
        Parameter b = Parameter.trainable("m.lora_B.weight", Tensor.zeros(4, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> new Allora(List.of(new LoraPair(a, b, 2)), 1));
        assertTrue(e.getMessage().contains("s = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Allora(List.of(new LoraPair(a, b, 1)), 0));
        assertTrue(e.getMessage().contains("eta"), e.getMessage());
    }
}
