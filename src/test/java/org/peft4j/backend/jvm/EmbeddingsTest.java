package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
 * Embedding gather (exact copies) and scatter-add (repeated ids accumulate; relative 1e-6 plus
 * absolute 1e-6 against double sums of a handful of terms) over odd widths, with ids shaped
 * [2, n] and drawn with repeats from a small vocabulary.
 */
class EmbeddingsTest {
    private static final int VOCAB = 37;

    static Stream<Arguments> widths() {
        return TestBackends.threadsAndSizes(1, 3, 7, 33, 65, 517);
    }

    private static IntTensor ids(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[2 * n];
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(VOCAB);
        ids[ids.length - 1] = ids[0]; // at least one repeat
        return new IntTensor(ids, new int[] {2, n});
    }

    @ParameterizedTest(name = "threads={0} width={1}")
    @MethodSource("widths")
    void gatherCopiesRows(int threads, int d) {
        Tensor table = Tensor.uniform(d, 1f, VOCAB, d);
        IntTensor ids = ids(d + 1L, 150); // 300 ids: the wide tables fork on two threads
        Tensor out = GuardedViews.offsetCopy(Tensor.zeros(ids.size(), d));
        TestBackends.threads(threads).embeddingGather(GuardedViews.offsetCopy(table), ids, out);
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < d; j++) assertEquals(table.get(ids.data()[i], j), out.get(i, j), "row " + i + " col " + j);
        }
        GuardedViews.assertGuardsIntact(out, "embeddingGather");
    }

    @ParameterizedTest(name = "threads={0} width={1}")
    @MethodSource("widths")
    void scatterAddAccumulatesRepeatedIds(int threads, int d) {
        IntTensor ids = ids(d + 2L, 150);
        Tensor dout = Tensor.uniform(d + 3L, 1f, ids.size(), d), dtable0 = Tensor.uniform(d + 4L, 1f, VOCAB, d);
        double[] expected = new double[VOCAB * d];
        for (int i = 0; i < expected.length; i++) expected[i] = dtable0.at(i);
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < d; j++) expected[ids.data()[i] * d + j] += dout.get(i, j);
        }
        Tensor dtable = GuardedViews.offsetCopy(dtable0);
        TestBackends.threads(threads).embeddingScatterAdd(GuardedViews.offsetCopy(dout), ids, dtable);
        assertAllClose(expected, dtable, 1e-6, 1e-6, "embeddingScatterAdd");
        GuardedViews.assertGuardsIntact(dtable, "embeddingScatterAdd");
    }

    @Test
    void scatterAddDoesNotDependOnTheThreadCount() {
        IntTensor ids = ids(91, 2048);
        Tensor dout = Tensor.uniform(92, 1f, ids.size(), 65);
        Tensor one = Tensor.zeros(VOCAB, 65), two = Tensor.zeros(VOCAB, 65);
        TestBackends.threads(1).embeddingScatterAdd(dout, ids, one);
        TestBackends.threads(2).embeddingScatterAdd(dout, ids, two);
        assertArrayEquals(one.toArray(), two.toArray());
    }

    @Test
    void idsOutOfRangeAreRejectedBeforeAnyWrite() {
        Tensor table = Tensor.uniform(93, 1f, 4, 3), before = table.copy();
        IntTensor ids = new IntTensor(new int[] {1, 2, 4}, new int[] {3});
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> TestBackends.threads(1).embeddingScatterAdd(Tensor.uniform(94, 1f, 3, 3), ids, table));
        assertEquals("embeddingScatterAdd: id 4 at position 2 is outside the table's 4 rows [4, 3]", e.getMessage());
        assertArrayEquals(before.toArray(), table.toArray(), "table untouched");

        e = assertThrows(IndexOutOfBoundsException.class, () -> TestBackends.threads(1).embeddingGather(table,
                new IntTensor(new int[] {-1}, new int[] {1}), Tensor.zeros(1, 3)));
        assertEquals("embeddingGather: id -1 at position 0 is outside the table's 4 rows [4, 3]", e.getMessage());
    }

    @Test
    void outputSizeMustMatchIdsTimesWidth() {
        ShapeException e = assertThrows(ShapeException.class, () -> TestBackends.threads(1).embeddingGather(Tensor.zeros(4, 3),
                new IntTensor(new int[] {0, 1}, new int[] {2}), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().startsWith("embeddingGather: 2 ids") && e.getMessage().contains("width 3")
                && e.getMessage().contains("[2, 4]"), e.getMessage());
    }
}
