package org.peft4j.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Sylvester equation {@code P·X + X·Q = C} for symmetric P [p, p] and Q [q, q], in double precision:
 * with the eigendecompositions P = U·diag(λ)·Uᵀ and Q = V·diag(μ)·Vᵀ,
 * <pre>
 *   X = U·Y·Vᵀ,   Y_ij = (Uᵀ·C·V)_ij / (λ_i + μ_j)
 * </pre>
 * Where λ_i + μ_j = 0 the equation does not determine Y_ij and it is set to 0 (the least-norm choice).
 */
public final class Sylvester {
    private Sylvester() {}

    public static DMatrixRMaj solveSymmetric(DMatrixRMaj p, DMatrixRMaj q, DMatrixRMaj c) {
        if (p.numRows != p.numCols || q.numRows != q.numCols || c.numRows != p.numRows || c.numCols != q.numRows) {
            throw new IllegalArgumentException("Sylvester P·X + X·Q = C needs square P, Q and C [rows(P), rows(Q)]; got P "
                    + p.numRows + "×" + p.numCols + ", Q " + q.numRows + "×" + q.numCols + ", C " + c.numRows + "×" + c.numCols);
        }
        DMatrixRMaj u = new DMatrixRMaj(p.numRows, p.numRows), v = new DMatrixRMaj(q.numRows, q.numRows);
        double[] lambda = eigen(p, u), mu = eigen(q, v);
        DMatrixRMaj ut = CommonOps_DDRM.transpose(u, null);
        DMatrixRMaj y = new DMatrixRMaj(c.numRows, c.numCols), tmp = new DMatrixRMaj(c.numRows, c.numCols);
        CommonOps_DDRM.mult(ut, c, tmp);
        CommonOps_DDRM.mult(tmp, v, y);
        double tolerance = 1e-14 * (maxAbs(lambda) + maxAbs(mu));
        for (int i = 0; i < y.numRows; i++) {
            for (int j = 0; j < y.numCols; j++) {
                double denominator = lambda[i] + mu[j];
                y.set(i, j, Math.abs(denominator) <= tolerance ? 0 : y.get(i, j) / denominator);
            }
        }
        DMatrixRMaj x = new DMatrixRMaj(c.numRows, c.numCols);
        CommonOps_DDRM.mult(u, y, tmp);
        CommonOps_DDRM.multTransB(tmp, v, x);
        return x;
    }

    /** Eigenvalues of symmetric {@code a}, with the eigenvectors as the columns of {@code vectors}. */
    private static double[] eigen(DMatrixRMaj a, DMatrixRMaj vectors) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(a.numRows, true, true);
        if (!eig.decompose(a.copy())) throw new ArithmeticException("eigendecomposition failed for a " + a.numRows + "×" + a.numRows + " matrix");
        double[] values = new double[a.numRows];
        for (int k = 0; k < values.length; k++) {
            values[k] = eig.getEigenvalue(k).getReal();
            DMatrixRMaj column = eig.getEigenVector(k);
            for (int i = 0; i < a.numRows; i++) vectors.set(i, k, column.get(i));
        }
        return values;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double x : values) max = Math.max(max, Math.abs(x));
        return max;
    }
}
