package org.peft4j.testing;

import org.apache.commons.math3.special.Erf;
import org.peft4j.backend.AdamW;
import org.peft4j.tensor.Tensor;

/**
 * Plain scalar reference implementations of the kernels, in double precision, written straight
 * from the formulas in {@link org.peft4j.backend.Ops}. Matrices are row-major {@code [rows, cols]}.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    public static double[] toDouble(Tensor t) {
        return toDouble(t.toArray());
    }

    // ---- softmax --------------------------------------------------------------------------------

    /** Row-wise softmax; a row of all −∞ gives zeros. */
    public static double[] softmax(double[] x, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]);
            if (max == Double.NEGATIVE_INFINITY) continue;
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j] - max);
            for (int j = 0; j < cols; j++) y[r * cols + j] = Math.exp(x[r * cols + j] - max) / sum;
        }
        return y;
    }

    /** {@code dx = y ⊙ (dy − rowsum(dy ⊙ y))}. */
    public static double[] softmaxBackward(double[] y, double[] dy, int rows, int cols) {
        double[] dx = new double[y.length];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < cols; j++) dot += dy[r * cols + j] * y[r * cols + j];
            for (int j = 0; j < cols; j++) dx[r * cols + j] = y[r * cols + j] * (dy[r * cols + j] - dot);
        }
        return dx;
    }

    /** softmax(scale·s + mask) over scores {@code [B, H, S, S]}, mask −∞ on padded keys and, if causal, on j &gt; i. */
    public static double[] attentionSoftmax(double[] s, int batch, int heads, int seq, double scale, int[] keyMask, boolean causal) {
        double[] logits = new double[s.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    int row = ((b * heads + h) * seq + i) * seq;
                    for (int j = 0; j < seq; j++) {
                        boolean masked = (causal && j > i) || (keyMask != null && keyMask[b * seq + j] == 0);
                        logits[row + j] = masked ? Double.NEGATIVE_INFINITY : scale * s[row + j];
                    }
                }
            }
        }
        return softmax(logits, batch * heads * seq, seq);
    }

    // ---- norms ----------------------------------------------------------------------------------

    /** Forward outputs of a norm; {@code mean} is null for RMSNorm. */
    public record NormOutput(double[] y, double[] mean, double[] rstd) {}

    /** Gradients of a norm; {@code dbeta} is null for RMSNorm. */
    public record NormGradients(double[] dx, double[] dgamma, double[] dbeta) {}

    public static NormOutput layerNorm(double[] x, int rows, int cols, double[] gamma, double[] beta, double eps) {
        double[] y = new double[x.length], mean = new double[rows], rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double mu = 0;
            for (int j = 0; j < cols; j++) mu += x[r * cols + j];
            mu /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) var += (x[r * cols + j] - mu) * (x[r * cols + j] - mu);
            double rs = 1 / Math.sqrt(var / cols + eps);
            for (int j = 0; j < cols; j++) y[r * cols + j] = (x[r * cols + j] - mu) * rs * gamma[j] + beta[j];
            mean[r] = mu;
            rstd[r] = rs;
        }
        return new NormOutput(y, mean, rstd);
    }

    /** dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)), g = dy ⊙ γ; dγ = Σ_r dy ⊙ x̂; dβ = Σ_r dy. */
    public static NormGradients layerNormBackward(double[] dy, double[] x, double[] gamma, int rows, int cols, double eps) {
        NormOutput f = layerNorm(x, rows, cols, gamma, new double[cols], eps);
        double[] dx = new double[x.length], dgamma = new double[cols], dbeta = new double[cols];
        for (int r = 0; r < rows; r++) {
            double sumG = 0, sumGx = 0;
            for (int j = 0; j < cols; j++) {
                double xh = (x[r * cols + j] - f.mean()[r]) * f.rstd()[r], g = dy[r * cols + j] * gamma[j];
                sumG += g;
                sumGx += g * xh;
                dgamma[j] += dy[r * cols + j] * xh;
                dbeta[j] += dy[r * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                double xh = (x[r * cols + j] - f.mean()[r]) * f.rstd()[r], g = dy[r * cols + j] * gamma[j];
                dx[r * cols + j] = f.rstd()[r] * (g - sumG / cols - xh * sumGx / cols);
            }
        }
        return new NormGradients(dx, dgamma, dbeta);
    }

    public static NormOutput rmsNorm(double[] x, int rows, int cols, double[] gamma, double eps) {
        double[] y = new double[x.length], rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int j = 0; j < cols; j++) ss += x[r * cols + j] * x[r * cols + j];
            double rs = 1 / Math.sqrt(ss / cols + eps);
            for (int j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j] * rs * gamma[j];
            rstd[r] = rs;
        }
        return new NormOutput(y, null, rstd);
    }

    /** dx = rstd·(g − x̂·mean(g ⊙ x̂)), g = dy ⊙ γ; dγ = Σ_r dy ⊙ x̂. */
    public static NormGradients rmsNormBackward(double[] dy, double[] x, double[] gamma, int rows, int cols, double eps) {
        double[] rstd = rmsNorm(x, rows, cols, gamma, eps).rstd();
        double[] dx = new double[x.length], dgamma = new double[cols];
        for (int r = 0; r < rows; r++) {
            double sumGx = 0;
            for (int j = 0; j < cols; j++) {
                double xh = x[r * cols + j] * rstd[r];
                sumGx += dy[r * cols + j] * gamma[j] * xh;
                dgamma[j] += dy[r * cols + j] * xh;
            }
            for (int j = 0; j < cols; j++) {
                double xh = x[r * cols + j] * rstd[r];
                dx[r * cols + j] = rstd[r] * (dy[r * cols + j] * gamma[j] - xh * sumGx / cols);
            }
        }
        return new NormGradients(dx, dgamma, null);
    }

    // ---- activations --------------------------------------------------------------------------

    /** Φ(x) = ½·erfc(−x/√2), accurate in the lower tail too. */
    public static double normalCdf(double x) {
        return 0.5 * Erf.erfc(-x / Math.sqrt(2));
    }

    public static double gelu(double x) {
        return x * normalCdf(x);
    }

    /** Φ(x) + x·φ(x). */
    public static double geluDerivative(double x) {
        return normalCdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    public static double silu(double x) {
        return x * sigmoid(x);
    }

    /** σ(x)·(1 + x·(1 − σ(x))). */
    public static double siluDerivative(double x) {
        double s = sigmoid(x);
        return s * (1 + x * (1 - s));
    }

    // ---- optimiser ----------------------------------------------------------------------------

    /** One AdamW step exactly as the {@link AdamW} javadoc writes it, in place on {@code param, m, v}. */
    public static void adamW(double[] param, double[] grad, double[] m, double[] v, AdamW h) {
        double c1 = 1 - Math.pow(h.beta1(), h.step()), c2 = 1 - Math.pow(h.beta2(), h.step());
        for (int i = 0; i < param.length; i++) {
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * grad[i];
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * grad[i] * grad[i];
            double mHat = m[i] / c1, vHat = v[i] / c2;
            param[i] -= h.lr() * (mHat / (Math.sqrt(vHat) + h.eps()) + h.weightDecay() * param[i]);
        }
    }
}
