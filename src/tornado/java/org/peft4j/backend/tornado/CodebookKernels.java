package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Nearest-code assignment for TornadoVM, after the GEMM kernel has written the cross term
 * {@code distances = −2·x·Cᵀ}:
 * <pre>
 *   norms[k]        = ‖c_k‖²
 *   distances[i,k]  = max(0, ‖x_i‖² + distances[i,k] + norms[k])
 *   codes[i]        = argmin_k distances[i,k]   (lowest k on ties)
 * </pre>
 */
public final class CodebookKernels {
    private CodebookKernels() {}

    public static void rowSquares(float[] c, float[] norms, int rows, int d) {
        for (@Parallel int r = 0; r < rows; r++) {
            float s = 0f;
            for (int j = 0; j < d; j++) s += c[r * d + j] * c[r * d + j];
            norms[r] = s;
        }
    }

    public static void assign(float[] x, float[] distances, float[] norms, int[] codes, int n, int k, int d) {
        for (@Parallel int i = 0; i < n; i++) {
            float rowNorm = 0f;
            for (int j = 0; j < d; j++) rowNorm += x[i * d + j] * x[i * d + j];
            int best = 0;
            float bestDistance = Float.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                float dist = TornadoMath.max(0f, rowNorm + distances[i * k + j] + norms[j]);
                distances[i * k + j] = dist;
                if (dist < bestDistance) {
                    bestDistance = dist;
                    best = j;
                }
            }
            codes[i] = best;
        }
    }
}
