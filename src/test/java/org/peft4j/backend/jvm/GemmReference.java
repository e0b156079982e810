package org.peft4j.backend.jvm;

import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * The plain triple loop GEMM in double precision, with the rounding bound a float32 GEMM must meet.
 *
 * <p>A float32 sum of k products, in any order or blocking, satisfies
 * {@code |fl(Σ a·b) − Σ a·b| ≤ γ_k·Σ|a·b|} with {@code γ_k ≈ k·u}, {@code u = 2⁻²⁴} (Higham, Accuracy
 * and Stability of Numerical Algorithms, §3.1); scaling by alpha, beta and the final add cost a
 * few more {@code u}. The bound is per element, so it stays tight where terms cancel, and a
 * missing or doubled term (error ≈ |a·b| ≫ k·u·Σ|a·b| for the sizes tested) exceeds it.
 */
record GemmReference(double[] values, double[] bounds, int m, int n) {
    private static final double U = 0x1p-24;

    /** {@code alpha·op(A)·op(B) + beta·C0} and its error bound, element by element. */
    static GemmReference of(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c0) {
        int m = ta.transposed() ? a.cols() : a.rows();
        int k = ta.transposed() ? a.rows() : a.cols();
        int n = tb.transposed() ? b.rows() : b.cols();
        double[] values = new double[m * n];
        double[] bounds = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double term = (double) element(a, ta, i, p) * element(b, tb, p, j);
                    sum += term;
                    magnitude += Math.abs(term);
                }
                double old = beta == 0f ? 0 : (double) beta * c0.at(i * n + j);
                values[i * n + j] = alpha * sum + old;
                bounds[i * n + j] = (k + 4) * U * (Math.abs(alpha) * magnitude + Math.abs(old)) + Float.MIN_NORMAL;
            }
        }
        return new GemmReference(values, bounds, m, n);
    }

    private static float element(Tensor x, Transpose op, int row, int col) {
        return op.transposed() ? x.at(col * x.cols() + row) : x.at(row * x.cols() + col);
    }

    /** The first element of {@code c} outside the bound, described, or null when all are within. */
    String firstViolation(Tensor c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double got = c.at(i * n + j), want = values[i * n + j];
                if (!(Math.abs(got - want) <= bounds[i * n + j])) {
                    return "C[" + i + ", " + j + "] = " + got + ", expected " + want + " ± " + bounds[i * n + j];
                }
            }
        }
        return null;
    }
}
