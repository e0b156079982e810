package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

class GemmTest {
    private static final Parallel ONE = TestBackends.pool(1), TWO = TestBackends.pool(2);

    /**
     * {@code (m, k, n)}: edges of every tile size, k beyond one KC block (512), n beyond one NC block (1024), the dot path
     * (n ≤ 16), (transposed A) the narrow product computed as Cᵀ, also past one KC block ({@code {45, 530, 8}}), and
     * products exactly one tile wide (n = NR), read in place, with a partial last panel and past one KC block, and shallow
     * products (k ≤ 16, n > 16) streamed row by row, with a partial last vector ({@code {70, 16, 47}}).
     */
    static Stream<Arguments> shapes() {
        int[][] mkn = {
            {1, 1, 1}, {3, 7, 5}, {7, 3, 33}, {33, 65, 7}, {65, 33, 65}, {517, 3, 65}, {3, 517, 7},
            {8, 16, 32}, {9, 17, 33}, {16, 300, 16}, {1, 530, 1030}, {37, 530, 1030}, {70, 20, 1}, {5, 1, 130},
            {45, 530, 8}, {37, 530, GemmMicroKernel.NR}, {16, 130, GemmMicroKernel.NR}, {70, 16, 47}, {1, 8, 384},
        };
        List<Arguments> cases = new ArrayList<>();
        for (int[] s : mkn) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) cases.add(Arguments.of(ta, tb, s[0], s[1], s[2]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}{1} m={2} k={3} n={4}")
    @MethodSource("shapes")
    void matchesTripleLoopForEveryTransposeAndScaling(Transpose ta, Transpose tb, int m, int k, int n) {
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-1.5f, 0.5f}};
        for (float[] ab : alphaBeta) {
            Tensor a = operand(11, ta, m, k);
            Tensor b = operand(12, tb, k, n);
            Tensor c = Tensor.uniform(13, 1f, m, n);
            if (ab[1] == 0f) c.fill(Float.NaN);
            Tensor c0 = c.copy();
            Gemm.gemm(ONE, ta, tb, ab[0], a, b, ab[1], c);
            String violation = GemmReference.of(ta, tb, ab[0], a, b, ab[1], c0).firstViolation(c);
            assertNull(violation, () -> "alpha=" + ab[0] + " beta=" + ab[1] + ": " + violation);
        }
    }

    @Test
    void viewsAtNonZeroOffsetsReadAndWriteOnlyTheirOwnRows() {
        for (Transpose ta : Transpose.values()) {
            for (Transpose tb : Transpose.values()) {
                int m = 19, k = 41, n = 35;
                Tensor a = sliced(21, ta.transposed() ? k : m, ta.transposed() ? m : k, 3);
                Tensor b = sliced(22, tb.transposed() ? n : k, tb.transposed() ? k : n, 5);
                Tensor whole = Tensor.uniform(23, 1f, m + 4, n);
                float[] before = whole.toArray();
                Tensor c = whole.slice(2, 2 + m);
                Tensor c0 = c.copy();
                Gemm.gemm(TWO, ta, tb, 0.75f, a, b, 0.5f, c);
                assertNull(GemmReference.of(ta, tb, 0.75f, a, b, 0.5f, c0).firstViolation(c), ta + "" + tb);
                float[] after = whole.toArray();
                for (int i = 0; i < after.length; i++) {
                    int row = i / n;
                    if (row < 2 || row >= 2 + m) assertEquals(before[i], after[i], "row " + row + " outside the view changed");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}{1} m={2} k={3} n={4}")
    @MethodSource("parallelShapes")
    void twoThreadsGiveBitwiseTheSameResultAsOneAndAsEachOtherRun(Transpose ta, Transpose tb, int m, int k, int n) {
        Tensor a = operand(31, ta, m, k);
        Tensor b = operand(32, tb, k, n);
        Tensor c0 = Tensor.uniform(33, 1f, m, n);
        float[] serial = product(ONE, ta, tb, a, b, c0);
        float[] parallel = product(TWO, ta, tb, a, b, c0);
        assertArrayEquals(serial, parallel, "1 vs 2 threads");
        assertArrayEquals(parallel, product(TWO, ta, tb, a, b, c0), "repeated run with 2 threads");
        assertTrue((long) m * n * k >= Gemm.PARALLEL_WORK, "shape too small to exercise the threads");
    }

    static Stream<Arguments> parallelShapes() {
        return Stream.of(
                Arguments.of(Transpose.N, Transpose.N, 130, 300, 67),  // split over rows (m > n)
                Arguments.of(Transpose.T, Transpose.N, 17, 260, 1100),  // split over columns
                Arguments.of(Transpose.N, Transpose.T, 517, 320, 13),  // dot path, split over rows
                Arguments.of(Transpose.N, Transpose.T, 1100, 8, 390),  // shallow, split over rows
                Arguments.of(Transpose.T, Transpose.T, 99, 129, 170));
    }

    @Test
    void batchedEqualsOneProductPerBatchIndex() {
        int[][] shapes = {{8, 128, 32, 128}, {3, 33, 17, 65}, {5, 1, 7, 3}, {4, 60, 64, GemmMicroKernel.NR}};  // batch, m, k, n
        for (int[] s : shapes) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    int batch = s[0], m = s[1], k = s[2], n = s[3];
                    Tensor a = Tensor.uniform(41, 1f, batch, ta.transposed() ? k : m, ta.transposed() ? m : k);
                    Tensor b = Tensor.uniform(42, 1f, batch, tb.transposed() ? n : k, tb.transposed() ? k : n);
                    Tensor c = Tensor.uniform(43, 1f, batch, m, n);
                    Tensor looped = c.copy();
                    Gemm.batched(TWO, ta, tb, 0.5f, a, b, 0.25f, c);
                    for (int i = 0; i < batch; i++) {
                        Gemm.gemm(ONE, ta, tb, 0.5f, matrix(a, i), matrix(b, i), 0.25f, matrix(looped, i));
                    }
                    assertArrayEquals(looped.toArray(), c.toArray(), ta + "" + tb + " " + java.util.Arrays.toString(s));
                }
            }
        }
    }

    @Test
    void zeroAlphaOrEmptyInnerDimensionOnlyScalesC() {
        Tensor a = Tensor.uniform(51, 1f, 4, 3).fill(Float.NaN);
        Tensor b = Tensor.uniform(52, 1f, 3, 5);
        Tensor c = Tensor.uniform(53, 1f, 4, 5);
        float[] expected = c.toArray();
        for (int i = 0; i < expected.length; i++) expected[i] *= 0.5f;
        Gemm.gemm(ONE, Transpose.N, Transpose.N, 0f, a, b, 0.5f, c);
        assertArrayEquals(expected, c.toArray());

        Tensor empty = Tensor.zeros(4, 0);
        Gemm.gemm(ONE, Transpose.N, Transpose.N, 1f, empty, Tensor.zeros(0, 5), 0f, c.fill(Float.NaN));
        assertArrayEquals(new float[20], c.toArray());
    }

    @Test
    void shapeMismatchesNameTheOperationAndShapes() {
        ShapeException inner = assertThrows(ShapeException.class, () -> Gemm.gemm(ONE, Transpose.N, Transpose.T, 1f,
                Tensor.zeros(3, 4), Tensor.zeros(5, 6), 0f, Tensor.zeros(3, 5)));
        assertTrue(inner.getMessage().startsWith("gemmNT: inner dimensions differ (4 vs 6)"), inner.getMessage());
        assertTrue(inner.getMessage().contains("[3, 4] vs [5, 6]"), inner.getMessage());

        ShapeException out = assertThrows(ShapeException.class, () -> Gemm.gemm(ONE, Transpose.T, Transpose.N, 1f,
                Tensor.zeros(4, 3), Tensor.zeros(4, 6), 0f, Tensor.zeros(6, 3)));
        assertTrue(out.getMessage().startsWith("gemmTN: output must be [3, 6]"), out.getMessage());
        assertTrue(out.getMessage().contains("[6, 3]"), out.getMessage());

        ShapeException batch = assertThrows(ShapeException.class, () -> Gemm.batched(ONE, Transpose.N, Transpose.N, 1f,
                Tensor.zeros(2, 3, 4), Tensor.zeros(3, 4, 5), 0f, Tensor.zeros(2, 3, 5)));
        assertTrue(batch.getMessage().startsWith("batchedGemmNN: batch sizes differ"), batch.getMessage());
        assertTrue(batch.getMessage().contains("[2, 3, 4] vs [3, 4, 5]"), batch.getMessage());

        ShapeException rank = assertThrows(ShapeException.class, () -> Gemm.batched(ONE, Transpose.N, Transpose.N, 1f,
                Tensor.zeros(3, 4), Tensor.zeros(4, 5), 0f, Tensor.zeros(3, 5)));
        assertTrue(rank.getMessage().startsWith("batchedGemmNN: operands must be 3-D"), rank.getMessage());

        ShapeException perMatrix = assertThrows(ShapeException.class, () -> Gemm.batched(ONE, Transpose.N, Transpose.T, 1f,
                Tensor.zeros(2, 3, 4), Tensor.zeros(2, 5, 3), 0f, Tensor.zeros(2, 3, 5)));
        assertTrue(perMatrix.getMessage().startsWith("batchedGemmNT: inner dimensions differ (4 vs 3)"), perMatrix.getMessage());
    }

    private static float[] product(Parallel pool, Transpose ta, Transpose tb, Tensor a, Tensor b, Tensor c0) {
        Tensor c = c0.copy();
        Gemm.gemm(pool, ta, tb, 1.25f, a, b, 0.5f, c);
        return c.toArray();
    }

    /** Random storage for {@code op(X) = rows × cols}. */
    static Tensor operand(long seed, Transpose op, int rows, int cols) {
        return op.transposed() ? Tensor.uniform(seed, 1f, cols, rows) : Tensor.uniform(seed, 1f, rows, cols);
    }

    /** A {@code rows × cols} view starting {@code skip} rows into a larger random tensor. */
    private static Tensor sliced(long seed, int rows, int cols, int skip) {
        return Tensor.uniform(seed, 1f, rows + skip + 2, cols).slice(skip, skip + rows);
    }

    private static Tensor matrix(Tensor batched, int i) {
        return batched.slice(i, i + 1).reshape(batched.dim(1), batched.dim(2));
    }
}
