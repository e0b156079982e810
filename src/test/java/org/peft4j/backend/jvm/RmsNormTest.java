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
 * RMSNorm forward and backward against {@link ReferenceOps} (double) and central finite
 * differences. Tolerances as for LayerNorm: forward relative 1e-5 plus absolute 1e-5, gradients
 * relative 1e-4 plus absolute 1e-5.
 */
class RmsNormTest {
    private static final float EPS = 1e-6f;

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void forwardMatchesReference(int threads, int rows, int cols) {
        Tensor x = Tensor.uniform(rows * 1000L + cols, 3f, rows, cols), gamma = Tensor.uniform(cols + 1L, 2f, cols);
        NormOutput expected = ReferenceOps.rmsNorm(toDouble(x), rows, cols, toDouble(gamma), EPS);

        Tensor y = GuardedViews.offsetCopy(Tensor.zeros(rows, cols)), rstd = GuardedViews.offsetCopy(Tensor.zeros(rows));
        TestBackends.threads(threads).rmsNorm(GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(gamma), EPS, y, rstd);
        assertAllClose(expected.y(), y, 1e-5, 1e-5, "rmsNorm y");
        assertAllClose(expected.rstd(), rstd, 1e-5, 0, "rmsNorm rstd");
        GuardedViews.assertGuardsIntact(y, "rmsNorm y");
        GuardedViews.assertGuardsIntact(rstd, "rmsNorm rstd");

        TestBackends.threads(threads).rmsNorm(x, gamma, EPS, x, rstd);
        assertAllClose(expected.y(), x, 1e-5, 1e-5, "rmsNorm in place");
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void backwardMatchesReferenceAndAccumulates(int threads, int rows, int cols) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(rows * 1000L + cols, 3f, rows, cols), dy = Tensor.uniform(rows + 5L * cols, 1f, rows, cols);
        Tensor gamma = Tensor.uniform(cols + 1L, 2f, cols), rstd = Tensor.zeros(rows);
        be.rmsNorm(x, gamma, EPS, Tensor.zeros(rows, cols), rstd);
        NormGradients expected = ReferenceOps.rmsNormBackward(toDouble(dy), toDouble(x), toDouble(gamma), rows, cols, EPS);

        Tensor dgamma0 = Tensor.uniform(3, 1f, cols);
        Tensor dx = GuardedViews.offsetCopy(Tensor.zeros(rows, cols)), dgamma = GuardedViews.offsetCopy(dgamma0);
        be.rmsNormBackward(GuardedViews.offsetCopy(dy), GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(gamma),
                GuardedViews.offsetCopy(rstd), dx, dgamma);
        assertAllClose(expected.dx(), dx, 1e-4, 1e-5, "rmsNormBackward dx");
        assertAllClose(LayerNormTest.plus(dgamma0, expected.dgamma()), dgamma, 1e-4, 1e-5, "rmsNormBackward dgamma (accumulated)");
        GuardedViews.assertGuardsIntact(dx, "rmsNormBackward dx");
        GuardedViews.assertGuardsIntact(dgamma, "rmsNormBackward dgamma");

        be.rmsNormBackward(dy, x, gamma, rstd, dy, null);
        assertAllClose(expected.dx(), dy, 1e-4, 1e-5, "rmsNormBackward dx aliasing dy, null dgamma");
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        int rows = 3, cols = 33;
        Tensor x = Tensor.uniform(41, 2f, rows, cols), dy = Tensor.uniform(42, 1f, rows, cols), gamma = Tensor.uniform(43, 2f, cols);
        Tensor rstd = Tensor.zeros(rows), dx = Tensor.zeros(rows, cols), dgamma = Tensor.zeros(cols);
        JvmBackend be = TestBackends.threads(1);
        be.rmsNorm(x, gamma, EPS, Tensor.zeros(rows, cols), rstd);
        be.rmsNormBackward(dy, x, gamma, rstd, dx, dgamma);

        double[] xd = toDouble(x), gd = toDouble(gamma), w = toDouble(dy);
        double h = 1e-4;
        assertAllClose(FiniteDifferences.vectorJacobianProduct(
                p -> ReferenceOps.rmsNorm(p, rows, cols, gd, EPS).y(), xd, w, h), dx, 1e-4, 1e-5, "dx vs finite differences");
        assertAllClose(FiniteDifferences.vectorJacobianProduct(
                p -> ReferenceOps.rmsNorm(xd, rows, cols, p, EPS).y(), gd, w, h), dgamma, 1e-4, 1e-5, "dgamma vs finite differences");
    }

    @Test
    void parameterGradientIsDeterministicForAThreadCount() {
        int rows = 517, cols = 131;
        Tensor x = Tensor.uniform(51, 2f, rows, cols), dy = Tensor.uniform(52, 1f, rows, cols), gamma = Tensor.uniform(53, 1f, cols);
        Tensor rstd = Tensor.zeros(rows);
        TestBackends.threads(2).rmsNorm(x, gamma, EPS, Tensor.zeros(rows, cols), rstd);
        float[][] runs = new float[3][];
        for (int run = 0; run < 3; run++) {
            Tensor dgamma = Tensor.zeros(cols);
            TestBackends.threads(run < 2 ? 2 : 1).rmsNormBackward(dy, x, gamma, rstd, Tensor.zeros(rows, cols), dgamma);
            runs[run] = dgamma.toArray();
        }
        assertArrayEquals(runs[0], runs[1], "two runs on two threads must agree bit for bit");
        assertAllClose(runs[2], runs[0], 1e-5, 1e-5, "one thread vs two threads");
    }

    @Test
    void shapeErrorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class,
                () -> be.rmsNorm(Tensor.zeros(2, 4), Tensor.zeros(3), EPS, Tensor.zeros(2, 4), Tensor.zeros(2)));
        assertTrue(e.getMessage().equals("rmsNorm: gamma has shape [3], expected [4]"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> be.rmsNorm(Tensor.zeros(2, 4), Tensor.zeros(4), EPS, Tensor.zeros(9), Tensor.zeros(2)));
        assertTrue(e.getMessage().startsWith("rmsNorm") && e.getMessage().contains("[9]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.rmsNormBackward(Tensor.zeros(2, 4), Tensor.zeros(2, 4), Tensor.zeros(4),
                Tensor.zeros(4), Tensor.zeros(2, 4), null));
        assertTrue(e.getMessage().equals("rmsNormBackward: rstd has shape [4], expected [2]"), e.getMessage());
    }
}
