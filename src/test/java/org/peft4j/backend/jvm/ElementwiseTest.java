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
 * add, mul, scale, axpy, copy, addBias and biasGradient against double arithmetic. Each output
 * value is one correctly rounded float operation (axpy is a fused multiply-add), so the tolerance
 * is one float ulp ({@link org.peft4j.testing.AllClose#FLOAT_ULP}, relative). biasGradient sums
 * rows in float, whose rounding error grows like ε·rows·|dy| (measured 1.5e-5 over 517 rows of
 * values in ±2): relative 1e-5 plus absolute 2e-7·rows.
 */
class ElementwiseTest {
    private static final float ALPHA = -0.7f;

    static Stream<Arguments> sizes() {
        return TestBackends.threadsAndSizes(TestBackends.SIZES);
    }

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @FunctionalInterface
    private interface Expected {
        double at(double a, double b);
    }

    @ParameterizedTest(name = "threads={0} n={1}")
    @MethodSource("sizes")
    void binaryOpsMatchDoubleArithmetic(int threads, int n) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor a = Tensor.uniform(n + 1L, 3f, n), b = Tensor.uniform(n + 2L, 3f, n);
        check(n, a, b, (x, y) -> x + y, (x, y, out) -> be.add(x, y, out), "add");
        check(n, a, b, (x, y) -> x * y, (x, y, out) -> be.mul(x, y, out), "mul");
        check(n, a, b, (x, y) -> ALPHA * x, (x, y, out) -> be.scale(ALPHA, x, out), "scale");
    }

    @FunctionalInterface
    private interface Binary {
        void run(Tensor a, Tensor b, Tensor out);
    }

    /** Into a guarded view, then in place over a, then in place over b. */
    private static void check(int n, Tensor a, Tensor b, Expected f, Binary op, String what) {
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = f.at(a.at(i), b.at(i));
        Tensor out = GuardedViews.offsetCopy(Tensor.zeros(n));
        op.run(GuardedViews.offsetCopy(a), GuardedViews.offsetCopy(b), out);
        assertAllClose(expected, out, FLOAT_ULP, 0, what);
        GuardedViews.assertGuardsIntact(out, what);
        Tensor a2 = a.copy(), b2 = b.copy();
        op.run(a2, b, a2);
        assertAllClose(expected, a2, FLOAT_ULP, 0, what + " with out aliasing a");
        op.run(a, b2, b2);
        assertAllClose(expected, b2, FLOAT_ULP, 0, what + " with out aliasing b");
    }

    @ParameterizedTest(name = "threads={0} n={1}")
    @MethodSource("sizes")
    void axpyAndCopy(int threads, int n) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(n + 3L, 3f, n), y0 = Tensor.uniform(n + 4L, 3f, n);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = (double) ALPHA * x.at(i) + y0.at(i);
        Tensor y = GuardedViews.offsetCopy(y0);
        be.axpy(ALPHA, GuardedViews.offsetCopy(x), y);
        assertAllClose(expected, y, FLOAT_ULP, 0, "axpy");
        GuardedViews.assertGuardsIntact(y, "axpy");

        Tensor dst = GuardedViews.offsetCopy(Tensor.zeros(n));
        be.copy(GuardedViews.offsetCopy(x), dst);
        assertAllClose(x.toArray(), dst.toArray(), 0, 0, "copy");
        GuardedViews.assertGuardsIntact(dst, "copy");
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void addBiasBroadcastsOverRows(int threads, int rows, int cols) {
        Tensor x0 = Tensor.uniform(rows * 100L + cols, 2f, rows, cols), bias = Tensor.uniform(cols + 9L, 2f, cols);
        double[] expected = new double[rows * cols];
        for (int i = 0; i < expected.length; i++) expected[i] = (double) x0.at(i) + bias.at(i % cols);
        Tensor x = GuardedViews.offsetCopy(x0);
        TestBackends.threads(threads).addBias(x, GuardedViews.offsetCopy(bias));
        assertAllClose(expected, x, FLOAT_ULP, 0, "addBias");
        GuardedViews.assertGuardsIntact(x, "addBias");
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void biasGradientAccumulatesColumnSums(int threads, int rows, int cols) {
        Tensor dy = Tensor.uniform(rows * 100L + cols, 2f, rows, cols), dbias0 = Tensor.uniform(cols + 8L, 1f, cols);
        double[] expected = new double[cols];
        for (int j = 0; j < cols; j++) expected[j] = dbias0.at(j);
        for (int i = 0; i < rows * cols; i++) expected[i % cols] += dy.at(i);
        Tensor dbias = GuardedViews.offsetCopy(dbias0);
        TestBackends.threads(threads).biasGradient(GuardedViews.offsetCopy(dy), dbias);
        assertAllClose(expected, dbias, 1e-5, 2e-7 * rows, "biasGradient");
        GuardedViews.assertGuardsIntact(dbias, "biasGradient");
    }

    @Test
    void viewsOfRowsAreUpdatedInPlace() {
        // rows(1, 3) of a [4, 5] matrix: a view at offset 5 whose neighbours must stay untouched
        Tensor m = Tensor.uniform(71, 1f, 4, 5), before = m.copy();
        Tensor middle = m.rows(1, 3);
        TestBackends.threads(1).scale(2f, middle, middle);
        for (int i = 0; i < 20; i++) {
            float expected = i >= 5 && i < 15 ? 2f * before.at(i) : before.at(i);
            assertTrue(m.at(i) == expected, "element " + i + ": " + m.at(i) + " vs " + expected);
        }
    }

    @Test
    void errorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.add(Tensor.zeros(3), Tensor.zeros(4), Tensor.zeros(3)));
        assertTrue(e.getMessage().equals("add: [3] vs [4] differ in size"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.axpy(1f, Tensor.zeros(2, 3), Tensor.zeros(7)));
        assertTrue(e.getMessage().equals("axpy: [2, 3] vs [7] differ in size"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.copy(Tensor.zeros(2), Tensor.zeros(3)));
        assertTrue(e.getMessage().equals("copy: [2] vs [3] differ in size"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.addBias(Tensor.zeros(2, 3), Tensor.zeros(2)));
        assertTrue(e.getMessage().equals("addBias: bias has shape [2], expected [3]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.biasGradient(Tensor.zeros(2, 3), Tensor.zeros(1, 3)));
        assertTrue(e.getMessage().equals("biasGradient: dbias has shape [1, 3], expected [3]"), e.getMessage());
    }
}
