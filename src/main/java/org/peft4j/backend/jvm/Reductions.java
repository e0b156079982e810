package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Whole-tensor reductions into a one-element tensor. The tensor is cut into fixed blocks of
 * {@value #BLOCK} values whose partial results (sums in double lanes) are combined in block
 * order, so the result does not depend on the thread count.
 */
final class Reductions {
    private Reductions() {}

    static final int BLOCK = 1 << 14;

    static void sum(Parallel pool, Tensor x, Tensor out) {
        Shapes.require("sum", "out", out, 1);
        float[] xd = x.data();
        out.put(0, (float) sumOfBlocks(pool, x, (from, to) -> Rows.sum(xd, x.offset() + from, to - from)));
    }

    static void sumOfSquares(Parallel pool, Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        float[] xd = x.data();
        out.put(0, (float) sumOfBlocks(pool, x, (from, to) -> Rows.sumOfSquares(xd, x.offset() + from, to - from, 0f)));
    }

    /** {@code out[0] = max x}; −∞ for an empty tensor, NaN if any value is NaN. */
    static void max(Parallel pool, Tensor x, Tensor out) {
        Shapes.require("max", "out", out, 1);
        float[] xd = x.data();
        int xo = x.offset();
        float[] partial = new float[blocks(x.size())];
        pool.forRange(partial.length, x.size(), (first, last) -> {
            for (int b = first; b < last; b++) {
                int from = xo + b * BLOCK, n = Math.min(BLOCK, x.size() - b * BLOCK);
                FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                int i = 0;
                for (int bound = F.loopBound(n); i < bound; i += LANES) acc = acc.max(FloatVector.fromArray(F, xd, from + i));
                float m = acc.reduceLanes(VectorOperators.MAX);
                for (; i < n; i++) m = Math.max(m, xd[from + i]);
                partial[b] = m;
            }
        });
        float m = Float.NEGATIVE_INFINITY;
        for (float p : partial) m = Math.max(m, p);
        out.put(0, m);
    }

    @FunctionalInterface
    private interface BlockSum {
        double of(int from, int to);
    }

    private static double sumOfBlocks(Parallel pool, Tensor x, BlockSum block) {
        int n = x.size();
        double[] partial = new double[blocks(n)];
        pool.forRange(partial.length, n, (first, last) -> {
            for (int b = first; b < last; b++) partial[b] = block.of(b * BLOCK, Math.min(n, (b + 1) * BLOCK));
        });
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }

    private static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }
}
