package org.peft4j.backend.jvm;

import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Nearest-code assignment for vector quantisation: {@code d = ‖x‖² − 2·x·cᵀ + ‖c‖²} with the
 * cross term from one GEMM, then an argmin per row (parallel over rows).
 */
final class CodeAssignment {
    private CodeAssignment() {}

    static void nearest(Parallel pool, Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        String op = "nearestCode";
        int n = x.rows(), d = x.cols(), k = codebook.rows();
        if (codebook.cols() != d) {
            throw new ShapeException(op + ": codebook rows have " + codebook.cols() + " values but x rows have " + d
                    + " (" + Shapes.describe(codebook) + " vs " + Shapes.describe(x) + ")");
        }
        if (k < 1) throw new ShapeException(op + ": the codebook " + Shapes.describe(codebook) + " has no rows");
        Shapes.require(op, "distances", distances, n, k);
        if (codes.size() != n) throw new ShapeException(op + ": codes " + codes + " must hold one code per row of x (" + n + ")");
        Gemm.gemm(pool, Transpose.N, Transpose.T, -2f, x.asMatrix(), codebook.asMatrix(), 0f, distances);
        float[] xd = x.data(), cd = codebook.data(), dd = distances.data();
        int xo = x.offset(), co = codebook.offset(), dOff = distances.offset();
        float[] codeNorms = new float[k];
        for (int j = 0; j < k; j++) codeNorms[j] = (float) Rows.sumOfSquares(cd, co + j * d, d, 0f);
        int[] out = codes.data();
        pool.forRange(n, (long) n * k, (from, to) -> {
            for (int i = from; i < to; i++) {
                float rowNorm = (float) Rows.sumOfSquares(xd, xo + i * d, d, 0f);
                int row = dOff + i * k, best = 0;
                float bestDistance = Float.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float dist = Math.max(0f, rowNorm + dd[row + j] + codeNorms[j]);
                    dd[row + j] = dist;
                    if (dist < bestDistance) {
                        bestDistance = dist;
                        best = j;
                    }
                }
                out[i] = best;
            }
        });
    }
}
