package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;
import static org.peft4j.testing.ReferenceOps.toDouble;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;

/**
 * Softmax, its backward and attention softmax against {@link ReferenceOps} in double.
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

    static Stream<Arguments> attentionCases() {
        // [B, H, S]: odd sequence lengths; the last forks on two threads
        int[][] shapes = {{1, 1, 1}, {2, 3, 7}, {1, 2, 17}, {2, 4, 65}};
        return Stream.of(1, 2).flatMap(t -> Stream.of(shapes).flatMap(s -> Stream.of(false, true)
                .flatMap(causal -> Stream.of(false, true).map(padded -> Arguments.of(t, s[0], s[1], s[2], causal, padded)))));
    }

    @ParameterizedTest(name = "threads={0} [{1}, {2}, {3}] causal={4} padded={5}")
    @MethodSource("attentionCases")
    void attentionMatchesReference(int threads, int batch, int heads, int seq, boolean causal, boolean padded) {
        Tensor s = Tensor.uniform(batch * 100L + heads * 10L + seq, 8f, batch, heads, seq, seq);
        IntTensor mask = padded ? paddingMask(batch, seq) : null;
        float scale = 0.37f;
        double[] expected = ReferenceOps.attentionSoftmax(toDouble(s), batch, heads, seq, scale,
                mask == null ? null : mask.data(), causal);

        Tensor p = GuardedViews.offsetCopy(Tensor.uniform(1, 1f, batch, heads, seq, seq));
        TestBackends.threads(threads).attentionSoftmax(GuardedViews.offsetCopy(s), scale, mask, causal, p);
        assertAllClose(expected, p, RTOL, ATOL, "attentionSoftmax");
        GuardedViews.assertGuardsIntact(p, "attentionSoftmax");
        assertMaskedKeysAreZeroAndRowsSumToOne(p, mask, causal);

        TestBackends.threads(threads).attentionSoftmax(s, scale, mask, causal, s);
        assertAllClose(expected, s, RTOL, ATOL, "attentionSoftmax in place");
    }

    /** Batch b pads its last b keys; the last batch pads every key (its rows must come out all zero). */
    private static IntTensor paddingMask(int batch, int seq) {
        int[] m = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            int padded = b == batch - 1 && batch > 1 ? seq : Math.min(b, seq - 1);
            for (int j = 0; j < seq; j++) m[b * seq + j] = j < seq - padded ? 1 : 0;
        }
        return new IntTensor(m, new int[] {batch, seq});
    }

    private static void assertMaskedKeysAreZeroAndRowsSumToOne(Tensor p, IntTensor mask, boolean causal) {
        int batch = p.dim(0), heads = p.dim(1), seq = p.dim(2);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    double sum = 0;
                    boolean anyVisible = false;
                    for (int j = 0; j < seq; j++) {
                        boolean visible = !(causal && j > i) && (mask == null || mask.data()[b * seq + j] != 0);
                        float v = p.get(b, h, i, j);
                        if (!visible) assertEquals(0f, v, "masked key " + j + " of query " + i + " in batch " + b);
                        anyVisible |= visible;
                        sum += v;
                    }
                    assertEquals(anyVisible ? 1 : 0, sum, 1e-5, "row sum of query " + i + " in batch " + b);
                }
            }
        }
    }

    @Test
    void fullyMaskedRowsAreZeros() {
        // causal, with key 0 padded: query 0 sees nothing; the rest see keys 1..i
        Tensor s = Tensor.uniform(5, 4f, 1, 1, 3, 3);
        IntTensor mask = new IntTensor(new int[] {0, 1, 1}, new int[] {1, 3});
        Tensor p = Tensor.uniform(6, 1f, 1, 1, 3, 3);
        TestBackends.threads(1).attentionSoftmax(s, 1f, mask, true, p);
        assertEquals(0f, p.get(0, 0, 0, 0));
        assertEquals(0f, p.get(0, 0, 0, 1));
        assertEquals(0f, p.get(0, 0, 0, 2));
        assertEquals(1f, p.get(0, 0, 1, 1));
        assertEquals(0f, p.get(0, 0, 1, 0));
        assertEquals(0f, p.get(0, 0, 1, 2));
    }

    @Test
    void shapeErrorsNameTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.softmax(Tensor.zeros(3, 4), Tensor.zeros(3, 5)));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("[3, 4]") && e.getMessage().contains("[3, 5]"), e.getMessage());

        e = assertThrows(ShapeException.class, () -> be.softmaxBackward(Tensor.zeros(2, 2), Tensor.zeros(4), Tensor.zeros(3)));
        assertTrue(e.getMessage().startsWith("softmaxBackward") && e.getMessage().contains("[3]"), e.getMessage());

        e = assertThrows(ShapeException.class, () -> be.attentionSoftmax(Tensor.zeros(2, 3, 3), 1f, null, false, Tensor.zeros(2, 3, 3)));
        assertTrue(e.getMessage().contains("attentionSoftmax") && e.getMessage().contains("[B, H, S, S]"), e.getMessage());

        e = assertThrows(ShapeException.class, () -> be.attentionSoftmax(Tensor.zeros(2, 1, 4, 4), 1f,
                IntTensor.zeros(2, 5), false, Tensor.zeros(2, 1, 4, 4)));
        assertTrue(e.getMessage().contains("key mask") && e.getMessage().contains("[2, 5]") && e.getMessage().contains("[2, 1, 4, 4]"), e.getMessage());

        e = assertThrows(ShapeException.class, () -> be.attentionSoftmax(Tensor.zeros(2, 1, 4, 4), 1f,
                IntTensor.zeros(8), false, Tensor.zeros(2, 1, 4, 4)));
        assertTrue(e.getMessage().contains("key mask"), e.getMessage());
    }
}
