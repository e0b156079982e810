package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;
import static org.peft4j.testing.ReferenceOps.toDouble;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.FiniteDifferences;
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;
import org.peft4j.testing.ReferenceOps.NormGradients;
import org.peft4j.testing.ReferenceOps.NormOutput;

/**
 * LayerNorm forward and backward against {@link ReferenceOps} (double), and the backward against
 * central finite differences of the double forward. Tolerances: forward relative 1e-5 plus
 * absolute 1e-5 (outputs are O(1)); gradients relative 1e-4 plus absolute 1e-5 (dx subtracts
 * row means of O(1) terms).
 */
class LayerNormTest {
    private static final float EPS = 1e-5f;

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void forwardMatchesReference(int threads, int rows, int cols) {
        Tensor x = Tensor.uniform(rows * 1000L + cols, 3f, rows, cols);
        Tensor gamma = Tensor.uniform(cols + 1L, 2f, cols), beta = Tensor.uniform(cols + 2L, 1f, cols);
        NormOutput expected = ReferenceOps.layerNorm(toDouble(x), rows, cols, toDouble(gamma), toDouble(beta), EPS);

        Tensor y = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
        Tensor mean = GuardedViews.offsetCopy(Tensor.zeros(rows)), rstd = GuardedViews.offsetCopy(Tensor.zeros(rows));
        TestBackends.threads(threads).layerNorm(GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(gamma),
                GuardedViews.offsetCopy(beta), EPS, y, mean, rstd);
        assertAllClose(expected.y(), y, 1e-5, 1e-5, "layerNorm y");
        assertAllClose(expected.mean(), mean, 1e-5, 1e-6, "layerNorm mean");
        assertAllClose(expected.rstd(), rstd, 1e-5, 0, "layerNorm rstd");
        GuardedViews.assertGuardsIntact(y, "layerNorm y");
        GuardedViews.assertGuardsIntact(mean, "layerNorm mean");
        GuardedViews.assertGuardsIntact(rstd, "layerNorm rstd");
    }

    @Test
    void rowsFarFromZeroKeepPrecision() {
        // values 100 ± 1 over long rows: statistics are summed in double, so y keeps ~1e-5 accuracy
        int rows = 4, cols = 4099;
        Tensor x = Tensor.uniform(11, 1f, rows, cols);
        for (int i = 0; i < x.size(); i++) x.put(i, x.at(i) + 100f);
        Tensor gamma = Tensor.uniform(12, 1f, cols), beta = Tensor.uniform(13, 1f, cols);
        Tensor y = Tensor.zeros(rows, cols), mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
        TestBackends.threads(1).layerNorm(x, gamma, beta, EPS, y, mean, rstd);
        NormOutput expected = ReferenceOps.layerNorm(toDouble(x), rows, cols, toDouble(gamma), toDouble(beta), EPS);
        assertAllClose(expected.y(), y, 1e-5, 2e-5, "layerNorm of offset rows");
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void backwardMatchesReferenceAndAccumulates(int threads, int rows, int cols) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(rows * 1000L + cols, 3f, rows, cols), dy = Tensor.uniform(rows + 5L * cols, 1f, rows, cols);
        Tensor gamma = Tensor.uniform(cols + 1L, 2f, cols), beta = Tensor.uniform(cols + 2L, 1f, cols);
        Tensor mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
        be.layerNorm(x, gamma, beta, EPS, Tensor.zeros(rows, cols), mean, rstd);
        NormGradients expected = ReferenceOps.layerNormBackward(toDouble(dy), toDouble(x), toDouble(gamma), rows, cols, EPS);

        Tensor dgamma0 = Tensor.uniform(3, 1f, cols), dbeta0 = Tensor.uniform(4, 1f, cols);
        Tensor dx = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
        Tensor dgamma = GuardedViews.offsetCopy(dgamma0), dbeta = GuardedViews.offsetCopy(dbeta0);
        be.layerNormBackward(GuardedViews.offsetCopy(dy), GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(gamma),
                GuardedViews.offsetCopy(mean), GuardedViews.offsetCopy(rstd), dx, dgamma, dbeta);
        assertAllClose(expected.dx(), dx, 1e-4, 1e-5, "layerNormBackward dx");
        assertAllClose(plus(dgamma0, expected.dgamma()), dgamma, 1e-4, 1e-5, "layerNormBackward dgamma (accumulated)");
        assertAllClose(plus(dbeta0, expected.dbeta()), dbeta, 1e-4, 1e-5, "layerNormBackward dbeta (accumulated)");
        GuardedViews.assertGuardsIntact(dx, "layerNormBackward dx");
        GuardedViews.assertGuardsIntact(dgamma, "layerNormBackward dgamma");
        GuardedViews.assertGuardsIntact(dbeta, "layerNormBackward dbeta");

        // frozen γ and β: null gradients, dx written in place over dy
        be.layerNormBackward(dy, x, gamma, mean, rstd, dy, null, null);
        assertAllClose(expected.dx(), dy, 1e-4, 1e-5, "layerNormBackward dx aliasing dy, null dgamma/dbeta");
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        int rows = 3, cols = 33;
        Tensor x = Tensor.uniform(21, 2f, rows, cols), dy = Tensor.uniform(22, 1f, rows, cols);
        Tensor gamma = Tensor.uniform(23, 2f, cols), beta = Tensor.uniform(24, 1f, cols);
        Tensor mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows), dx = Tensor.zeros(rows, cols);
        Tensor dgamma = Tensor.zeros(cols), dbeta = Tensor.zeros(cols);
        JvmBackend be = TestBackends.threads(1);
        be.layerNorm(x, gamma, beta, EPS, Tensor.zeros(rows, cols), mean, rstd);
        be.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);

        double[] xd = toDouble(x), gd = toDouble(gamma), bd = toDouble(beta), w = toDouble(dy);
        double h = 1e-4;
        assertAllClose(FiniteDifferences.vectorJacobianProduct(
                p -> ReferenceOps.layerNorm(p, rows, cols, gd, bd, EPS).y(), xd, w, h), dx, 1e-4, 1e-5, "dx vs finite differences");
        assertAllClose(FiniteDifferences.vectorJacobianProduct(
                p -> ReferenceOps.layerNorm(xd, rows, cols, p, bd, EPS).y(), gd, w, h), dgamma, 1e-4, 1e-5, "dgamma vs finite differences");
        assertAllClose(FiniteDifferences.vectorJacobianProduct(
                p -> ReferenceOps.layerNorm(xd, rows, cols, gd, p, EPS).y(), bd, w, h), dbeta, 1e-4, 1e-5, "dbeta vs finite differences");
    }

    @Test
    void parameterGradientsAreDeterministicForAThreadCount() {
        int rows = 517, cols = 131; // forks on two threads
        Tensor x = Tensor.uniform(31, 2f, rows, cols), dy = Tensor.uniform(32, 1f, rows, cols), gamma = Tensor.uniform(33, 1f, cols);
        Tensor mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
        TestBackends.threads(2).layerNorm(x, gamma, Tensor.zeros(cols), EPS, Tensor.zeros(rows, cols), mean, rstd);
        float[][] runs = new float[3][];
        for (int run = 0; run < 3; run++) {
            Tensor dgamma = Tensor.zeros(cols), dbeta = Tensor.zeros(cols);
            TestBackends.threads(run < 2 ? 2 : 1).layerNormBackward(dy, x, gamma, mean, rstd, Tensor.zeros(rows, cols), dgamma, dbeta);
            runs[run] = concat(dgamma.toArray(), dbeta.toArray());
        }
        assertArrayEquals(runs[0], runs[1], "two runs on two threads must agree bit for bit");
        assertAllClose(runs[2], runs[0], 1e-5, 1e-5, "one thread vs two threads");
    }

    @Test
    void shapeErrorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.layerNorm(Tensor.zeros(2, 4), Tensor.zeros(5), Tensor.zeros(4),
                EPS, Tensor.zeros(2, 4), Tensor.zeros(2), Tensor.zeros(2)));
        assertTrue(e.getMessage().equals("layerNorm: gamma has shape [5], expected [4]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.layerNorm(Tensor.zeros(2, 4), Tensor.zeros(4), Tensor.zeros(4),
                EPS, Tensor.zeros(2, 4), Tensor.zeros(3), Tensor.zeros(2)));
        assertTrue(e.getMessage().equals("layerNorm: mean has shape [3], expected [2]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.layerNormBackward(Tensor.zeros(2, 4), Tensor.zeros(2, 4), Tensor.zeros(4),
                Tensor.zeros(2), Tensor.zeros(2), Tensor.zeros(2, 4), Tensor.zeros(3), null));
        assertTrue(e.getMessage().equals("layerNormBackward: dgamma has shape [3], expected [4]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.layerNormBackward(Tensor.zeros(2, 5), Tensor.zeros(2, 4), Tensor.zeros(4),
                Tensor.zeros(2), Tensor.zeros(2), Tensor.zeros(2, 4), null, null));
        assertTrue(e.getMessage().startsWith("layerNormBackward") && e.getMessage().contains("[2, 5]"), e.getMessage());
    }

    static double[] plus(Tensor a, double[] b) {
        double[] s = new double[b.length];
        for (int i = 0; i < b.length; i++) s[i] = a.at(i) + b[i];
        return s;
    }

    static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
