package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.FLOAT_ULP;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;

/**
 * sum, sumOfSquares and max against double arithmetic. Sums accumulate in double, so the only
 * error left is the final rounding to float: tolerance one float ulp (relative) plus 1e-12·Σ|x|
 * (cancellation); max is exact.
 */
class ReductionsTest {

    static Stream<Arguments> sizes() {
        return TestBackends.threadsAndSizes(TestBackends.SIZES);
    }

    @ParameterizedTest(name = "threads={0} n={1}")
    @MethodSource("sizes")
    void matchDoubleArithmetic(int threads, int n) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(n * 5L + 1, 3f, n);
        for (int i = 0; i < n; i++) x.put(i, x.at(i) - 4f); // all negative: max must not come from padding lanes
        double sum = 0, squares = 0, abs = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            sum += x.at(i);
            squares += (double) x.at(i) * x.at(i);
            abs += Math.abs(x.at(i));
            max = Math.max(max, x.at(i));
        }
        Tensor view = GuardedViews.offsetCopy(x), out = GuardedViews.offsetCopy(Tensor.zeros(1));
        be.sum(view, out);
        assertEquals(sum, out.at(0), FLOAT_ULP * Math.abs(sum) + 1e-12 * abs, "sum");
        be.sumOfSquares(view, out);
        assertEquals(squares, out.at(0), FLOAT_ULP * squares, "sumOfSquares");
        be.max(view, out);
        assertEquals(max, out.at(0), "max");
        GuardedViews.assertGuardsIntact(out, "reductions");
    }

    @Test
    void largeSumsKeepSmallTerms() {
        // 1e7 followed by 2^20 values of 0.3: a float accumulator would round every 0.3 away
        int n = (1 << 20) + 1;
        Tensor x = Tensor.zeros(n).fill(0.3f);
        x.put(0, 1e7f);
        double expected = 1e7 + (n - 1) * (double) 0.3f;
        Tensor out = Tensor.zeros(1);
        TestBackends.threads(2).sum(x, out);
        assertEquals(expected, out.at(0), FLOAT_ULP * expected, "sum");
        TestBackends.threads(2).sumOfSquares(x, out);
        double squares = 1e14 + (n - 1) * (double) 0.3f * 0.3f;
        assertEquals(squares, out.at(0), FLOAT_ULP * squares, "sumOfSquares");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Tensor x = Tensor.normal(81, 5f, 200_003), one = Tensor.zeros(1), two = Tensor.zeros(1);
        TestBackends.threads(1).sum(x, one);
        TestBackends.threads(2).sum(x, two);
        assertEquals(one.at(0), two.at(0), 0f, "sum");
        TestBackends.threads(1).sumOfSquares(x, one);
        TestBackends.threads(2).sumOfSquares(x, two);
        assertEquals(one.at(0), two.at(0), 0f, "sumOfSquares");
    }

    @Test
    void edgeCases() {
        JvmBackend be = TestBackends.threads(1);
        Tensor out = Tensor.zeros(1);
        be.max(Tensor.zeros(0), out);
        assertEquals(Float.NEGATIVE_INFINITY, out.at(0), "max of nothing");
        be.sum(Tensor.zeros(0), out);
        assertEquals(0f, out.at(0), "sum of nothing");
        Tensor withNaN = Tensor.uniform(82, 1f, 40);
        withNaN.put(37, Float.NaN);
        be.max(withNaN, out);
        assertTrue(Float.isNaN(out.at(0)), "max with a NaN is NaN, got " + out.at(0));
    }

    @Test
    void outputMustHoldOneValue() {
        ShapeException e = assertThrows(ShapeException.class, () -> TestBackends.threads(1).sum(Tensor.zeros(4), Tensor.zeros(2)));
        assertEquals("sum: out has shape [2], expected [1]", e.getMessage());
        e = assertThrows(ShapeException.class, () -> TestBackends.threads(1).max(Tensor.zeros(4), Tensor.zeros(1, 1)));
        assertEquals("max: out has shape [1, 1], expected [1]", e.getMessage());
    }
}
