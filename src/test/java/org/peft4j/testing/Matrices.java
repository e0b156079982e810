package org.peft4j.testing;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.peft4j.tensor.Tensor;

/** Double-precision reference matrices (EJML) from tensors, for checking adapters against their formulas. */
public final class Matrices {
    private Matrices() {}

    /** The matrix view {@code [rows(), cols()]} of {@code t}, in double. */
    public static DMatrixRMaj of(Tensor t) {
        DMatrixRMaj m = new DMatrixRMaj(t.rows(), t.cols());
        for (int i = 0; i < t.size(); i++) m.data[i] = t.at(i);
        return m;
    }

    /** {@code a·b}. */
    public static DMatrixRMaj times(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, c);
        return c;
    }

    /** {@code a·bᵀ}. */
    public static DMatrixRMaj timesTransposed(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numRows);
        CommonOps_DDRM.multTransB(a, b, c);
        return c;
    }

    /** {@code aᵀ·b}. */
    public static DMatrixRMaj transposedTimes(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, c);
        return c;
    }

    /** {@code a + alpha·b}. */
    public static DMatrixRMaj plus(DMatrixRMaj a, double alpha, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.add(a, alpha, b, c);
        return c;
    }
}
