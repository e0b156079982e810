package org.peft4j.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.LUDecomposition_F64;
import org.peft4j.tensor.Tensor;

/**
 * LDU decomposition with partial (row) pivoting, {@code W = P·L·diag(D)·U}, computed in double
 * precision by EJML's LU and rounded to float32: for {@code W [m, n]} and {@code k = min(m, n)},
 * L [m, k] is unit lower triangular, D [k] holds the pivots and U [k, n] is unit upper triangular
 * (the LU factor's rows divided by their pivots). The permutation is kept as row indices:
 * {@code (L·diag(D)·U)[i, :] = W[rows[i], :]}.
 *
 * @param rows which row of W each row of L·D·U is
 * @param l    [m, k] unit lower triangular
 * @param d    [k] pivots
 * @param u    [k, n] unit upper triangular
 */
public record Ldu(int[] rows, Tensor l, Tensor d, Tensor u) {

    /** The decomposition of {@code w [m, n]}; every pivot must be non-zero. */
    public static Ldu of(Tensor w) {
        int m = w.rows(), n = w.cols(), k = Math.min(m, n);
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < m * n; i++) a.data[i] = w.at(i);
        LUDecomposition_F64<DMatrixRMaj> lu = DecompositionFactory_DDRM.lu(m, n);
        if (!lu.decompose(a)) throw new ArithmeticException("LU decomposition failed for a " + m + "×" + n + " matrix");
        DMatrixRMaj lower = lu.getLower(null), upper = lu.getUpper(null);
        Tensor l = Tensor.zeros(m, k), d = Tensor.zeros(k), u = Tensor.zeros(k, n);
        for (int i = 0; i < k; i++) {
            double pivot = upper.get(i, i);
            if (pivot == 0) {
                throw new ArithmeticException("LDU needs non-zero pivots, but pivot " + i + " of the " + m + "×" + n
                        + " matrix is 0 (the matrix is rank-deficient)");
            }
            d.put(i, (float) pivot);
            for (int j = 0; j < n; j++) u.put(i * n + j, (float) (upper.get(i, j) / pivot));
        }
        for (int i = 0; i < m * k; i++) l.put(i, (float) lower.data[i]);
        return new Ldu(lu.getRowPivotV(null).clone(), l, d, u);
    }

    /** The number of pivots, {@code min(m, n)}. */
    public int rank() { return d.size(); }

    /** The leading {@code r} columns of P·L [m, r]: L's rows put back in W's row order. */
    public Tensor permutedLower(int r) {
        requireLeading(r);
        int m = l.rows(), k = rank();
        Tensor pl = Tensor.zeros(m, r);
        for (int i = 0; i < m; i++) for (int j = 0; j < r; j++) pl.put(rows[i] * r + j, l.at(i * k + j));
        return pl;
    }

    /** The leading {@code r} pivots [r]. */
    public Tensor leadingPivots(int r) {
        requireLeading(r);
        return d.slice(0, r).copy();
    }

    /** The leading {@code r} rows of U [r, n]. */
    public Tensor leadingUpper(int r) {
        requireLeading(r);
        return u.slice(0, r).copy();
    }

    private void requireLeading(int r) {
        if (r < 1 || r > rank()) throw new IllegalArgumentException("leading rank " + r + " outside [1, " + rank() + "]");
    }
}
