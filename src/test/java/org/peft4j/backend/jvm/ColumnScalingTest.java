package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

/** scaleColumns against double arithmetic: each value is one correctly rounded product, so one float ulp. */
class ColumnScalingTest {

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}]")
    @MethodSource("shapes")
    void scalesEveryColumnByItsWeight(int threads, int rows, int cols) {
        JvmBackend be = TestBackends.threads(threads);
        Tensor x = Tensor.uniform(rows * 100L + cols, 3f, rows, cols), v = Tensor.uniform(cols + 17L, 2f, cols);
        double[] expected = new double[rows * cols];
        for (int i = 0; i < expected.length; i++) expected[i] = (double) x.at(i) * v.at(i % cols);

        Tensor out = GuardedViews.offsetCopy(Tensor.zeros(rows, cols));
        be.scaleColumns(GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(v), out);
        assertAllClose(expected, out, FLOAT_ULP, 0, "scaleColumns");
        GuardedViews.assertGuardsIntact(out, "scaleColumns");

        Tensor inPlace = GuardedViews.offsetCopy(x);
        be.scaleColumns(inPlace, v, inPlace);
        assertAllClose(expected, inPlace, FLOAT_ULP, 0, "scaleColumns with out aliasing x");
        GuardedViews.assertGuardsIntact(inPlace, "scaleColumns in place");
    }

    @Test
    void zeroWeightsClearTheirColumnsExactly() {
        Tensor x = Tensor.uniform(5, 1f, 7, 3), v = Tensor.of(new float[] {0f, 1f, 0f}, 3), out = Tensor.zeros(7, 3);
        TestBackends.threads(1).scaleColumns(x, v, out);
        for (int r = 0; r < 7; r++) {
            assertEquals(0f, out.get(r, 0), 0f);
            assertEquals(x.get(r, 1), out.get(r, 1), 0f);
            assertEquals(0f, out.get(r, 2), 0f);
        }
    }

    @Test
    void errorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.scaleColumns(Tensor.zeros(2, 3), Tensor.zeros(2), Tensor.zeros(2, 3)));
        assertEquals("scaleColumns: v has shape [2], expected [3]", e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.scaleColumns(Tensor.zeros(2, 3), Tensor.zeros(3), Tensor.zeros(7)));
        assertEquals("scaleColumns: [2, 3] vs [7] differ in size", e.getMessage());
    }
}
