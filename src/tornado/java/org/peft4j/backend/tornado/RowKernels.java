package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Row-wise kernels for TornadoVM, one work-item per row of dense {@code [rows, n]} arrays
 * (the formulas of {@link org.peft4j.backend.Ops}).
 */
public final class RowKernels {
    private RowKernels() {}

    /** {@code y = softmax(x)} per row. */
    public static void softmax(float[] x, float[] y, int rows, int n) {
        for (@Parallel int r = 0; r < rows; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = TornadoMath.max(max, x[r * n + j]);
            float sum = 0f;
            for (int j = 0; j < n; j++) sum += TornadoMath.exp(x[r * n + j] - max);
            float inv = 1f / sum;
            for (int j = 0; j < n; j++) y[r * n + j] = TornadoMath.exp(x[r * n + j] - max) * inv;
        }
    }

    /** {@code dx = y ⊙ (dy − rowsum(dy ⊙ y))}. */
    public static void softmaxBackward(float[] y, float[] dy, float[] dx, int rows, int n) {
        for (@Parallel int r = 0; r < rows; r++) {
            float dot = 0f;
            for (int j = 0; j < n; j++) dot += dy[r * n + j] * y[r * n + j];
            for (int j = 0; j < n; j++) dx[r * n + j] = (dy[r * n + j] - dot) * y[r * n + j];
        }
    }

    /** {@code y = (x − μ)·rstd ⊙ γ + β} per row, writing μ and rstd = 1/√(var + eps). */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                                 float[] eps, int rows, int n) {
        for (@Parallel int r = 0; r < rows; r++) {
            float sum = 0f;
            for (int j = 0; j < n; j++) sum += x[r * n + j];
            float mu = sum / n;
            float var = 0f;
            for (int j = 0; j < n; j++) {
                float d = x[r * n + j] - mu;
                var += d * d;
            }
            float rs = 1f / TornadoMath.sqrt(var / n + eps[0]);
            for (int j = 0; j < n; j++) y[r * n + j] = (x[r * n + j] - mu) * rs * gamma[j] + beta[j];
            mean[r] = mu;
            rstd[r] = rs;
        }
    }

    /** {@code dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂))} per row, with {@code g = dy ⊙ γ}. */
    public static void layerNormInputGradient(float[] dy, float[] x, float[] gamma, float[] mean, float[] rstd,
                                              float[] dx, int rows, int n) {
        for (@Parallel int r = 0; r < rows; r++) {
            float mu = mean[r], rs = rstd[r];
            float sumG = 0f, sumGx = 0f;
            for (int j = 0; j < n; j++) {
                float g = dy[r * n + j] * gamma[j];
                sumG += g;
                sumGx += g * (x[r * n + j] - mu) * rs;
            }
            float meanG = sumG / n, meanGx = sumGx / n;
            for (int j = 0; j < n; j++) {
                float g = dy[r * n + j] * gamma[j];
                dx[r * n + j] = rs * (g - meanG - (x[r * n + j] - mu) * rs * meanGx);
            }
        }
    }

    /** {@code dγ[j] += Σ_r dy[r,j]·x̂[r,j]} and {@code dβ[j] += Σ_r dy[r,j]}: one work-item per column. */
    public static void layerNormParameterGradients(float[] dy, float[] x, float[] mean, float[] rstd, float[] dgamma,
                                                   float[] dbeta, int rows, int n) {
        for (@Parallel int j = 0; j < n; j++) {
            float sg = 0f, sb = 0f;
            for (int r = 0; r < rows; r++) {
                float g = dy[r * n + j];
                sg += g * (x[r * n + j] - mean[r]) * rstd[r];
                sb += g;
            }
            dgamma[j] += sg;
            dbeta[j] += sb;
        }
    }
}
