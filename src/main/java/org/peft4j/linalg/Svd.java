package org.peft4j.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.peft4j.tensor.Tensor;

/**
 * Truncated singular value decomposition {@code W ≈ U·diag(S)·Vᵀ} with singular values in
 * descending order, computed in double precision by EJML.
 *
 * @param u  [m, k] left singular vectors
 * @param s  [k] singular values, descending
 * @param vt [k, n] right singular vectors (transposed)
 */
public record Svd(Tensor u, Tensor s, Tensor vt) {

    /** The top-{@code k} singular triplets of the matrix {@code w [m, n]}. */
    public static Svd top(Tensor w, int k) {
        int m = w.rows(), n = w.cols();
        if (k < 1 || k > Math.min(m, n)) {
            throw new IllegalArgumentException("SVD rank " + k + " outside [1, " + Math.min(m, n) + "] for a " + m + "×" + n + " matrix");
        }
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < m * n; i++) a.data[i] = w.at(i);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(a)) throw new ArithmeticException("SVD did not converge for a " + m + "×" + n + " matrix");
        double[] values = svd.getSingularValues();
        DMatrixRMaj uFull = svd.getU(null, false), vFull = svd.getV(null, false);
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        Tensor u = Tensor.zeros(m, k), s = Tensor.zeros(k), vt = Tensor.zeros(k, n);
        for (int j = 0; j < k; j++) {
            int c = order[j];
            s.put(j, (float) values[c]);
            for (int i = 0; i < m; i++) u.put(i * k + j, (float) uFull.get(i, c));
            for (int i = 0; i < n; i++) vt.put(j * n + i, (float) vFull.get(i, c));
        }
        return new Svd(u, s, vt);
    }

    public int rank() { return s.size(); }
}
