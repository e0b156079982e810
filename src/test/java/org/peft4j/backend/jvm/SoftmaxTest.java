package org.peft4j.backend.jvm;

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
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;

/**
 * Softmax and its backward against {@link ReferenceOps} in double.
 * Tolerance: relative 1e-5 (exp is within 1 ulp; the row sum adds a few ulp), absolute 1e-9.
 */
class SoftmaxTest {
    private static final double RTOL = 1e-5, ATOL = 1e-9;

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void softmaxMatchesReference(int threads, int rows, int cols) {
        Tensor x = Tensor.uniform(rows * 1000L + cols, 6f, rows, cols);
        double[] expected = ReferenceOps.softmax(toDouble(x), rows, cols);

        Tensor y = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
        TestBackends.threads(threads).softmax(GuardedViews.offsetCopy(x), y);
        assertAllClose(expected, y, RTOL, ATOL, "softmax");
        GuardedViews.assertGuardsIntact(y, "softmax");

        TestBackends.threads(threads).softmax(x, x);
        assertAllClose(expected, x, RTOL, ATOL, "softmax in place");
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void backwardMatchesReference(int threads, int rows, int cols) {
        Tensor y = Tensor.zeros(rows, cols);
        TestBackends.threads(threads).softmax(Tensor.uniform(rows + 7L * cols, 3f, rows, cols), y);
        Tensor dy = Tensor.uniform(rows * 31L + cols, 1f, rows, cols);
        double[] expected = ReferenceOps.softmaxBackward(toDouble(y), toDouble(dy), rows, cols);

        Tensor dx = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
        TestBackends.threads(threads).softmaxBackward(GuardedViews.offsetCopy(y), GuardedViews.offsetCopy(dy), dx);
        // dx is a difference of O(y) terms: compare with an absolute tolerance at the scale of y·dy
        assertAllClose(expected, dx, RTOL, 1e-7, "softmaxBackward");
        GuardedViews.assertGuardsIntact(dx, "softmaxBackward");

        TestBackends.threads(threads).softmaxBackward(y, dy, dy);
        assertAllClose(expected, dy, RTOL, 1e-7, "softmaxBackward with dx aliasing dy");
    }

    @Test
    void shapeErrorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.softmax(Tensor.zeros(3, 4), Tensor.zeros(3, 5)));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("[3, 4]") && e.getMessage().contains("[3, 5]"), e.getMessage());

        e = assertThrows(ShapeException.class, () -> be.softmaxBackward(Tensor.zeros(2, 2), Tensor.zeros(4), Tensor.zeros(3)));
        assertTrue(e.getMessage().startsWith("softmaxBackward") && e.getMessage().contains("[3]"), e.getMessage());
    }
}
