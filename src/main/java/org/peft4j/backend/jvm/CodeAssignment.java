package org.peft4j.backend.jvm;

import org.peft4j.backend.NearestCode;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Nearest-code assignment for vector quantisation: {@code d = ‖x‖² − 2·x·cᵀ + ‖c‖²} with the
 * cross term from one GEMM, then an argmin per row (parallel over rows).
 */
final class CodeAssignment {
    private CodeAssignment() {}

    static void nearest(Parallel pool, Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        NearestCode.check(x, codebook, distances, codes);
        int n = x.rows(), d = x.cols(), k = codebook.rows();
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
