package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.FLOAT_ULP;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;

/**
 * diagonalScale and rsqrt against double arithmetic. diagonalScale rounds twice (row factor, then
 * column factor) and rsqrt twice (square root, then reciprocal): two float ulps, relative.
 */
class ScalingTest {

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    static Stream<Arguments> sizes() {
        return TestBackends.threadsAndSizes(TestBackends.SIZES);
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void diagonalScaleMultipliesRowsAndColumns(int threads, int rows, int cols) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(rows * 31L + cols, 2f, rows, cols);
        Tensor u = Tensor.uniform(rows + 5L, 3f, rows), v = Tensor.uniform(cols + 6L, 3f, cols);
        for (int mode = 0; mode < 3; mode++) {
            Tensor rowScale = mode == 1 ? null : u, colScale = mode == 2 ? null : v;
            double[] expected = new double[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    expected[i * cols + j] = (rowScale == null ? 1.0 : u.at(i)) * x.at(i * cols + j) * (colScale == null ? 1.0 : v.at(j));
                }
            }
            Tensor out = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
            be.diagonalScale(rowScale == null ? null : GuardedViews.offsetCopy(u), GuardedViews.offsetCopy(x),
                    colScale == null ? null : GuardedViews.offsetCopy(v), out);
            assertAllClose(expected, out.toArray(), 2 * FLOAT_ULP, 0, "diagonalScale mode " + mode);
            GuardedViews.assertGuardsIntact(out, "diagonalScale");
            Tensor inPlace = x.copy();
            be.diagonalScale(rowScale, inPlace, colScale, inPlace);
            assertAllClose(expected, inPlace.toArray(), 2 * FLOAT_ULP, 0, "diagonalScale in place, mode " + mode);
        }
    }

    @ParameterizedTest(name = "threads={0} n={1}")
    @MethodSource("sizes")
    void rsqrtIsTheReciprocalSquareRoot(int threads, int n) {
        Tensor x = Tensor.uniform(n + 11L, 4f, n);
        for (int i = 0; i < n; i++) x.put(i, Math.abs(x.at(i)) + 1e-3f);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = 1 / Math.sqrt(x.at(i));
        Tensor out = GuardedViews.offsetCopy(Tensor.zeros(n));
        TestBackends.threads(threads).rsqrt(GuardedViews.offsetCopy(x), out);
        assertAllClose(expected, out.toArray(), 2 * FLOAT_ULP, 0, "rsqrt");
        GuardedViews.assertGuardsIntact(out, "rsqrt");
        TestBackends.threads(threads).rsqrt(x, x);
        assertAllClose(expected, x.toArray(), 2 * FLOAT_ULP, 0, "rsqrt in place");
    }

    @Test
    void errorsNameTheOperandThatDoesNotFit() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class,
                () -> be.diagonalScale(Tensor.zeros(3), Tensor.zeros(2, 4), null, Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().equals("diagonalScale: rowScale [3] needs 2 values for x [2, 4]"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> be.diagonalScale(null, Tensor.zeros(2, 4), Tensor.zeros(5), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().equals("diagonalScale: colScale [5] needs 4 values for x [2, 4]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.rsqrt(Tensor.zeros(2), Tensor.zeros(3)));
        assertTrue(e.getMessage().equals("rsqrt: [2] vs [3] differ in size"), e.getMessage());
    }
}
