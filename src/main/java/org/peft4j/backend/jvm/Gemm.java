package org.peft4j.backend.jvm;

import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** {@code C = alpha·op(A)·op(B) + beta·C} on the JVM. */
final class Gemm {
    private Gemm() {}

    static void gemm(Parallel pool, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        int m = ta.transposed() ? a.cols() : a.rows();
        int k = ta.transposed() ? a.rows() : a.cols();
        int kb = tb.transposed() ? b.cols() : b.rows();
        int n = tb.transposed() ? b.rows() : b.cols();
        Shapes.check(k == kb, "gemm" + ta + tb, "inner dimensions differ (" + k + " vs " + kb + ")", a, b);
        Shapes.check(c.rows() == m && c.cols() == n, "gemm" + ta + tb, "output must be [" + m + ", " + n + "]", a, c);
        compute(pool, ta.transposed(), tb.transposed(), m, n, k, alpha,
                a.data(), a.offset(), b.data(), b.offset(), beta, c.data(), c.offset());
    }

    static void batched(Parallel pool, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        Shapes.check(a.rank() == 3 && b.rank() == 3 && c.rank() == 3, "batchedGemm", "operands must be 3-D", a, b);
        int batch = c.dim(0);
        Shapes.check(a.dim(0) == batch && b.dim(0) == batch, "batchedGemm", "batch sizes differ", a, b);
        for (int i = 0; i < batch; i++) {
            gemm(pool, ta, tb, alpha, a.slice(i, i + 1).reshape(a.dim(1), a.dim(2)),
                    b.slice(i, i + 1).reshape(b.dim(1), b.dim(2)), beta,
                    c.slice(i, i + 1).reshape(c.dim(1), c.dim(2)));
        }
    }

    /** Row-major kernel over raw arrays; lda/ldb follow from the transposition flags. */
    static void compute(Parallel pool, boolean ta, boolean tb, int m, int n, int k, float alpha,
                        float[] a, int aOff, float[] b, int bOff, float beta, float[] c, int cOff) {
        pool.forRange(m, (long) m * n * k, (from, to) -> {
            float[] row = new float[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0f);
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    if (tb) {
                        for (int j = 0; j < n; j++) row[j] += av * b[bOff + j * k + p];
                    } else {
                        int base = bOff + p * n;
                        for (int j = 0; j < n; j++) row[j] += av * b[base + j];
                    }
                }
                int ci = cOff + i * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = beta == 0f ? alpha * row[j] : alpha * row[j] + beta * c[ci + j];
                }
            }
        });
    }
}
