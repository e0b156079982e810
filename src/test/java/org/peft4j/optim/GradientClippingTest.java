package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;

class GradientClippingTest {
    private static final JvmBackend OPS = new JvmBackend(1);

    @AfterAll
    static void close() { OPS.close(); }

    /** Odd sizes 1, 3, 7·33, 65, 517 plus a frozen parameter, gradients N(0, 1). */
    private static List<Parameter> parameters() {
        List<Parameter> ps = List.of(
                RandomParameters.trainable("a", 1, 1),
                RandomParameters.trainable("b", 2, 3),
                RandomParameters.frozen("frozen", 3, 9),
                RandomParameters.trainable("c", 4, 7, 33),
                RandomParameters.trainable("d", 5, 65),
                RandomParameters.trainable("e", 6, 517));
        RandomParameters.fillGradients(ps, 7, 1f);
        return ps;
    }

    private static double referenceNorm(List<Parameter> ps) {
        double sum = 0;
        for (Parameter p : ps) {
            if (!p.trainable()) continue;
            for (int i = 0; i < p.grad().size(); i++) sum += (double) p.grad().at(i) * p.grad().at(i);
        }
        return Math.sqrt(sum);
    }

    private static float[][] grads(List<Parameter> ps) {
        return ps.stream().filter(Parameter::trainable).map(p -> p.grad().toArray()).toArray(float[][]::new);
    }

    @Test
    void normOverAllTrainableGradientsMatchesReference() {
        List<Parameter> ps = parameters();
        double expected = referenceNorm(ps);
        assertTrue(expected > 20, "about √(1+3+231+65+517) ≈ 28.6");
        assertEquals(expected, GradientClipping.sums(OPS, ps).norm(), 1e-6 * expected);
    }

    @Test
    void scalesDownToMaxNormWhenAbove() {
        List<Parameter> ps = parameters();
        double norm = referenceNorm(ps), maxNorm = 1.0;
        float[][] before = grads(ps);
        double coefficient = maxNorm / (norm + 1e-6);

        assertEquals(norm, GradientClipping.clipGlobalNorm(OPS, ps, maxNorm), 1e-6 * norm, "returns the norm before clipping");

        float[][] after = grads(ps);
        for (int i = 0; i < before.length; i++) {
            for (int j = 0; j < before[i].length; j++) {
                assertEquals(before[i][j] * coefficient, after[i][j], 1e-6 * Math.abs(before[i][j] * coefficient) + 1e-12);
            }
        }
        assertEquals(maxNorm, referenceNorm(ps), 1e-5, "clipped norm");
    }

    @Test
    void leavesGradientsBitwiseUntouchedAtOrBelowMaxNorm() {
        List<Parameter> ps = parameters();
        double norm = referenceNorm(ps);
        float[][] before = grads(ps);
        GradientClipping.clipGlobalNorm(OPS, ps, norm * 1.5);
        double computed = GradientClipping.sums(OPS, ps).norm();
        GradientClipping.clipGlobalNorm(OPS, ps, computed + GradientClipping.NORM_EPS); // coefficient exactly 1
        float[][] after = grads(ps);
        for (int i = 0; i < before.length; i++) assertArrayEquals(before[i], after[i]);
    }

    @Test
    void nonFiniteNormIsReturnedWithGradientsUntouchedAndTheFirstCulpritIsNamed() {
        List<Parameter> ps = parameters();
        assertEquals(Optional.empty(), GradientClipping.sums(OPS, ps).firstNonFinite());
        ps.get(4).grad().put(17, Float.NaN);
        ps.get(5).grad().put(3, Float.POSITIVE_INFINITY);
        float[][] before = grads(ps);

        assertTrue(Double.isNaN(GradientClipping.clipGlobalNorm(OPS, ps, 1.0)));

        float[][] after = grads(ps);
        for (int i = 0; i < before.length; i++) assertArrayEquals(before[i], after[i]);
        assertEquals(Optional.of("d"), GradientClipping.sums(OPS, ps).firstNonFinite());
        ps.get(4).grad().put(17, 0f);
        assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipGlobalNorm(OPS, ps, 1.0));
        assertEquals(Optional.of("e"), GradientClipping.sums(OPS, ps).firstNonFinite());
    }

    @Test
    void rejectsNonPositiveMaxNorm() {
        List<Parameter> ps = parameters();
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGlobalNorm(OPS, ps, bad));
            assertTrue(e.getMessage().contains("maxNorm"), e.getMessage());
        }
    }
}
