package org.peft4j.backend;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * The sizes of {@code C[m,n] = op(A)[m,k]·op(B)[k,n]}, checked once for every backend.
 * {@link #of} reads 2-D operands with their leading axes folded into rows; {@link #batched}
 * reads 3-D operands {@code [batch, rows, cols]} and returns the batch in {@code batch}.
 */
public record GemmShape(int batch, int m, int n, int k) {

    public long work() { return (long) m * n * k; }

    /** Shapes of {@link Ops#gemm}; leading axes fold into rows (x [B, S, in] is [B·S, in]). */
    public static GemmShape of(Transpose ta, Transpose tb, Tensor a, Tensor b, Tensor c) {
        return check("gemm" + ta + tb, 1, ta, tb, a, rows(a), a.cols(), b, rows(b), b.cols(), c, rows(c), c.cols());
    }

    /** Shapes of {@link Ops#batchedGemm} over the leading axis of 3-D operands. */
    public static GemmShape batched(Transpose ta, Transpose tb, Tensor a, Tensor b, Tensor c) {
        String op = "batchedGemm" + ta + tb;
        Shapes.check(a.rank() == 3 && b.rank() == 3, op, "operands must be 3-D", a, b);
        Shapes.check(c.rank() == 3, op, "output must be 3-D", a, c);
        int batch = c.dim(0);
        Shapes.check(a.dim(0) == batch && b.dim(0) == batch, op, "batch sizes differ (output has " + batch + ")", a, b);
        return check(op, batch, ta, tb, a, a.dim(1), a.dim(2), b, b.dim(1), b.dim(2), c, c.dim(1), c.dim(2));
    }

    /** All axes but the last, multiplied (exact even when the last axis is 0). */
    private static int rows(Tensor t) {
        int rows = 1;
        for (int axis = 0; axis < t.rank() - 1; axis++) rows *= t.dim(axis);
        return rows;
    }

    private static GemmShape check(String op, int batch, Transpose ta, Transpose tb, Tensor a, int aRows, int aCols,
                                   Tensor b, int bRows, int bCols, Tensor c, int cRows, int cCols) {
        int m = ta.transposed() ? aCols : aRows;
        int k = ta.transposed() ? aRows : aCols;
        int kb = tb.transposed() ? bCols : bRows;
        int n = tb.transposed() ? bRows : bCols;
        Shapes.check(k == kb, op, "inner dimensions differ (" + k + " vs " + kb + ")", a, b);
        Shapes.check(cRows == m && cCols == n, op, "output must be [" + m + ", " + n + "]", a, c);
        return new GemmShape(batch, m, n, k);
    }
}
