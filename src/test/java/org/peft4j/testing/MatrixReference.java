package org.peft4j.testing;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.peft4j.tensor.Tensor;

/** Double-precision matrix references from commons-math3, independent of the EJML code under test. */
public final class MatrixReference {
    private MatrixReference() {}

    public static RealMatrix of(Tensor m) {
        RealMatrix out = new Array2DRowRealMatrix(m.rows(), m.cols());
        for (int i = 0; i < m.rows(); i++) for (int j = 0; j < m.cols(); j++) out.setEntry(i, j, m.at(i * m.cols() + j));
        return out;
    }

    /** Row-major values of {@code m}. */
    public static double[] values(RealMatrix m) {
        double[] out = new double[m.getRowDimension() * m.getColumnDimension()];
        for (int i = 0; i < m.getRowDimension(); i++) for (int j = 0; j < m.getColumnDimension(); j++) out[i * m.getColumnDimension() + j] = m.getEntry(i, j);
        return out;
    }

    /** Row-major values of {@code m}, rounded to float32 (a computed result to compare). */
    public static float[] floats(RealMatrix m) {
        return floats(values(m));
    }

    /** {@code v} rounded to float32. */
    public static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    /** The best rank-r approximation U_r·S_r·V_rᵀ of {@code m}. */
    public static RealMatrix truncated(Tensor m, int r) {
        SingularValueDecomposition svd = new SingularValueDecomposition(of(m));
        RealMatrix u = svd.getU().getSubMatrix(0, m.rows() - 1, 0, r - 1);
        RealMatrix s = svd.getS().getSubMatrix(0, r - 1, 0, r - 1);
        RealMatrix v = svd.getV().getSubMatrix(0, m.cols() - 1, 0, r - 1);
        return u.multiply(s).multiply(v.transpose());
    }

    /** The orthogonal projector onto the span of the top-r left singular vectors of {@code m} [rows, rows]. */
    public static RealMatrix topLeftProjector(Tensor m, int r) {
        RealMatrix u = new SingularValueDecomposition(of(m)).getU().getSubMatrix(0, m.rows() - 1, 0, r - 1);
        return u.multiply(u.transpose());
    }

    /** Singular values of {@code m}, descending. */
    public static double[] singularValues(Tensor m) {
        return new SingularValueDecomposition(of(m)).getSingularValues();
    }
}
