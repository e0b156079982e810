package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;

/**
 * Sparse scatter-add and gather against the dense computation they stand for: the sparse matrix S
 * built entry by entry in double ({@code S[i] = Σ_{k: idx[k] = i} values[k]}), added to a random
 * dense matrix, and the entries read back. Odd shapes; indices drawn with repeats (scatter-add
 * must accumulate them) and as a distinct sorted support (as a fixed sparse weight stores it).
 */
class SparseEntriesTest {

    static Stream<Arguments> shapes() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    private static IntTensor withRepeats(long seed, int count, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] idx = new int[count];
        for (int k = 0; k < count; k++) idx[k] = rng.nextInt(n);
        if (count > 1) idx[count - 1] = idx[0];
        return new IntTensor(idx, new int[] {count});
    }

    private static IntTensor distinctSorted(long seed, int count, int n) {
        int[] idx = new SplittableRandom(seed).ints(0, n).distinct().limit(count).sorted().toArray();
        return new IntTensor(idx, new int[] {idx.length});
    }

    @ParameterizedTest(name = "threads={0} {1}×{2}")
    @MethodSource("shapes")
    void scatterAddEqualsAddingTheDenseSparseMatrix(int threads, int rows, int cols) {
        int n = rows * cols;
        for (IntTensor idx : new IntTensor[] {withRepeats(n, 2 * n + 1, n), distinctSorted(n + 1L, Math.max(1, n / 3), n)}) {
            Tensor values = Tensor.uniform(n + 2L, 1f, idx.size()), dense0 = Tensor.uniform(n + 3L, 1f, rows, cols);
            double[] sparse = new double[n];
            for (int k = 0; k < idx.size(); k++) sparse[idx.data()[k]] += values.at(k);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) expected[i] = dense0.at(i) + sparse[i];
            Tensor dense = GuardedViews.offsetCopy(dense0);
            TestBackends.threads(threads).sparseScatterAdd(GuardedViews.offsetCopy(values), idx, dense);
            assertAllClose(expected, dense, 1e-6, 1e-6, "sparseScatterAdd");
            GuardedViews.assertGuardsIntact(dense, "sparseScatterAdd");
        }
    }

    @ParameterizedTest(name = "threads={0} {1}×{2}")
    @MethodSource("shapes")
    void gatherReadsTheDenseEntries(int threads, int rows, int cols) {
        int n = rows * cols;
        IntTensor idx = withRepeats(n + 5L, Math.max(1, 3 * n / 2), n);
        Tensor dense = Tensor.uniform(n + 6L, 1f, rows, cols);
        Tensor values = GuardedViews.offsetCopy(Tensor.uniform(n + 7L, 1f, idx.size()));
        TestBackends.threads(threads).sparseGather(GuardedViews.offsetCopy(dense), idx, values);
        for (int k = 0; k < idx.size(); k++) assertEquals(dense.at(idx.data()[k]), values.at(k), "entry " + k);
        GuardedViews.assertGuardsIntact(values, "sparseGather");
    }

    @Test
    void gatherIsTheAdjointOfScatterAdd() {
        // ⟨scatter(v), D⟩ = ⟨v, gather(D)⟩: the pair are each other's gradients.
        int rows = 33, cols = 65;
        IntTensor idx = withRepeats(11, 517, rows * cols);
        Tensor v = Tensor.uniform(12, 1f, 517), d = Tensor.uniform(13, 1f, rows, cols);
        Tensor scattered = Tensor.zeros(rows, cols), gathered = Tensor.zeros(517);
        TestBackends.threads(2).sparseScatterAdd(v, idx, scattered);
        TestBackends.threads(2).sparseGather(d, idx, gathered);
        double left = 0, right = 0;
        for (int i = 0; i < d.size(); i++) left += (double) scattered.at(i) * d.at(i);
        for (int k = 0; k < v.size(); k++) right += (double) v.at(k) * gathered.at(k);
        assertEquals(left, right, 1e-4 * Math.abs(left));
    }

    @Test
    void indicesOutsideTheDenseTensorAreRejectedBeforeAnyWrite() {
        Tensor dense = Tensor.uniform(21, 1f, 3, 4), before = dense.copy();
        IntTensor idx = new IntTensor(new int[] {0, 11, 12}, new int[] {3});
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> TestBackends.threads(1).sparseScatterAdd(Tensor.uniform(22, 1f, 3), idx, dense));
        assertEquals("sparseScatterAdd: index 12 at position 2 is outside the dense tensor's 12 entries [3, 4]", e.getMessage());
        assertArrayEquals(before.toArray(), dense.toArray(), "dense untouched");
        e = assertThrows(IndexOutOfBoundsException.class, () -> TestBackends.threads(1).sparseGather(dense,
                new IntTensor(new int[] {-1}, new int[] {1}), Tensor.zeros(1)));
        assertEquals("sparseGather: index -1 at position 0 is outside the dense tensor's 12 entries [3, 4]", e.getMessage());
    }

    @Test
    void valuesAndIndicesMustHaveTheSameSize() {
        ShapeException e = assertThrows(ShapeException.class, () -> TestBackends.threads(1).sparseGather(Tensor.zeros(3, 4),
                new IntTensor(new int[] {0, 1}, new int[] {2}), Tensor.zeros(3)));
        assertEquals("sparseGather: 3 values [3] but 2 indices IntTensor[2]", e.getMessage());
    }
}
