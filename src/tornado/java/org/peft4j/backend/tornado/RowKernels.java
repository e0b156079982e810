package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Row-wise kernels for TornadoVM, one work-item per row of a dense {@code [rows, n]} block
 * starting at the given offsets (the same formulas as {@link org.peft4j.backend.Ops}).
 */
public final class RowKernels {
    private RowKernels() {}

    /** {@code y = softmax(x)} per row. */
    public static void softmax(float[] x, float[] y, int rows, int n, int xo, int yo) {
        for (@Parallel int r = 0; r < rows; r++) {
            int xi = xo + r * n, yi = yo + r * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = TornadoMath.max(max, x[xi + j]);
            float sum = 0f;
            for (int j = 0; j < n; j++) {
                float e = TornadoMath.exp(x[xi + j] - max);
                y[yi + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < n; j++) y[yi + j] *= inv;
        }
    }

    /** {@code dx = y ⊙ (dy − rowsum(dy ⊙ y))}. */
    public static void softmaxBackward(float[] y, float[] dy, float[] dx, int rows, int n, int[] offsets) {
        for (@Parallel int r = 0; r < rows; r++) {
            int yi = offsets[0] + r * n, gi = offsets[1] + r * n, oi = offsets[2] + r * n;
            float dot = 0f;
            for (int j = 0; j < n; j++) dot += dy[gi + j] * y[yi + j];
            for (int j = 0; j < n; j++) dx[oi + j] = (dy[gi + j] - dot) * y[yi + j];
        }
    }

    /**
     * {@code p = softmax(scale·s + mask)} over rows of {@code s [B, H, S, S]}: keys with
     * {@code keyMask[b, j] == 0} (when {@code hasMask} is 1) or, when {@code causal} is 1, keys
     * {@code j > i} are excluded; a row with no key left is all zeros.
     */
    public static void attentionSoftmax(float[] s, int[] keyMask, float[] p, float[] scale, int batch, int heads,
                                        int seq, int hasMask, int causal, int so, int po) {
        for (@Parallel int r = 0; r < batch * heads * seq; r++) {
            int b = r / (heads * seq), i = r % seq;
            int visible = causal == 1 ? i + 1 : seq;
            int si = so + r * seq, pi = po + r * seq;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < visible; j++) {
                if (hasMask == 0 || keyMask[b * seq + j] != 0) max = TornadoMath.max(max, scale[0] * s[si + j]);
            }
            float sum = 0f;
            for (int j = 0; j < seq; j++) {
                float e = 0f;
                if (j < visible && max != Float.NEGATIVE_INFINITY && (hasMask == 0 || keyMask[b * seq + j] != 0)) {
                    e = TornadoMath.exp(scale[0] * s[si + j] - max);
                }
                p[pi + j] = e;
                sum += e;
            }
            float inv = sum > 0f ? 1f / sum : 0f;
            for (int j = 0; j < seq; j++) p[pi + j] *= inv;
        }
    }

    /** {@code y = (x − μ)·rstd ⊙ γ + β} per row, writing μ and rstd = 1/√(var + eps). */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                                 float[] eps, int rows, int n, int[] offsets) {
        for (@Parallel int r = 0; r < rows; r++) {
            int xi = offsets[0] + r * n, yi = offsets[3] + r * n;
            float sum = 0f;
            for (int j = 0; j < n; j++) sum += x[xi + j];
            float mu = sum / n;
            float var = 0f;
            for (int j = 0; j < n; j++) {
                float d = x[xi + j] - mu;
                var += d * d;
            }
            float rs = 1f / TornadoMath.sqrt(var / n + eps[0]);
            for (int j = 0; j < n; j++) {
                y[yi + j] = (x[xi + j] - mu) * rs * gamma[offsets[1] + j] + beta[offsets[2] + j];
            }
            mean[offsets[4] + r] = mu;
            rstd[offsets[5] + r] = rs;
        }
    }

    /** {@code dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂))} per row, with {@code g = dy ⊙ γ}. */
    public static void layerNormInputGradient(float[] dy, float[] x, float[] gamma, float[] mean, float[] rstd,
                                              float[] dx, int rows, int n, int[] offsets) {
        for (@Parallel int r = 0; r < rows; r++) {
            int gi = offsets[0] + r * n, xi = offsets[1] + r * n, oi = offsets[5] + r * n;
            float mu = mean[offsets[3] + r], rs = rstd[offsets[4] + r];
            float sumG = 0f, sumGx = 0f;
            for (int j = 0; j < n; j++) {
                float g = dy[gi + j] * gamma[offsets[2] + j];
                sumG += g;
                sumGx += g * (x[xi + j] - mu) * rs;
            }
            float meanG = sumG / n, meanGx = sumGx / n;
            for (int j = 0; j < n; j++) {
                float g = dy[gi + j] * gamma[offsets[2] + j];
                dx[oi + j] = rs * (g - meanG - (x[xi + j] - mu) * rs * meanGx);
            }
        }
    }

    /** {@code dγ[j] += Σ_r dy[r,j]·x̂[r,j]} and {@code dβ[j] += Σ_r dy[r,j]}: one work-item per column. */
    public static void layerNormParameterGradients(float[] dy, float[] x, float[] mean, float[] rstd, float[] dgamma,
                                                   float[] dbeta, int rows, int n, int[] offsets) {
        for (@Parallel int j = 0; j < n; j++) {
            float sg = 0f, sb = 0f;
            for (int r = 0; r < rows; r++) {
                float g = dy[offsets[0] + r * n + j];
                sg += g * (x[offsets[1] + r * n + j] - mean[offsets[2] + r]) * rstd[offsets[3] + r];
                sb += g;
            }
            dgamma[offsets[4] + j] += sg;
            dbeta[offsets[5] + j] += sb;
        }
    }
}
