package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** LayerNorm and RMSNorm over the last axis, forward and backward. */
final class Norms {
    private Norms() {}

    static void layerNorm(Parallel pool, Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("layerNorm", x, y);
        Shapes.require("layerNorm", "gamma", gamma, n);
        Shapes.require("layerNorm", "beta", beta, n);
        Shapes.require("layerNorm", "mean", mean, rows);
        Shapes.require("layerNorm", "rstd", rstd, rows);
        pool.forRange(rows, (long) x.size() * 6, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n, yi = y.offset() + r * n;
                float[] xd = x.data();
                double s = 0;
                for (int j = 0; j < n; j++) s += xd[xi + j];
                float mu = (float) (s / n);
                double v = 0;
                for (int j = 0; j < n; j++) {
                    float d = xd[xi + j] - mu;
                    v += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(v / n + eps));
                for (int j = 0; j < n; j++) {
                    y.data()[yi + j] = (xd[xi + j] - mu) * rs * gamma.at(j) + beta.at(j);
                }
                mean.put(r, mu);
                rstd.put(r, rs);
            }
        });
    }

    /**
     * With x̂ = (x − μ)·rstd and g = dy ⊙ γ:
     * dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dγ += Σ_r dy ⊙ x̂,  dβ += Σ_r dy.
     */
    static void layerNormBackward(Parallel pool, Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("layerNormBackward", dy, x);
        Shapes.requireSameSize("layerNormBackward", dx, x);
        for (int r = 0; r < rows; r++) {
            int xi = x.offset() + r * n, gi = dy.offset() + r * n, oi = dx.offset() + r * n;
            float mu = mean.at(r), rs = rstd.at(r);
            double sumG = 0, sumGx = 0;
            for (int j = 0; j < n; j++) {
                float xh = (x.data()[xi + j] - mu) * rs;
                float g = dy.data()[gi + j] * gamma.at(j);
                sumG += g;
                sumGx += g * xh;
                if (dgamma != null) dgamma.put(j, dgamma.at(j) + dy.data()[gi + j] * xh);
                if (dbeta != null) dbeta.put(j, dbeta.at(j) + dy.data()[gi + j]);
            }
            float meanG = (float) (sumG / n), meanGx = (float) (sumGx / n);
            for (int j = 0; j < n; j++) {
                float xh = (x.data()[xi + j] - mu) * rs;
                float g = dy.data()[gi + j] * gamma.at(j);
                dx.data()[oi + j] = rs * (g - meanG - xh * meanGx);
            }
        }
    }

    static void rmsNorm(Parallel pool, Tensor x, Tensor gamma, float eps, Tensor y, Tensor rstd) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("rmsNorm", x, y);
        Shapes.require("rmsNorm", "gamma", gamma, n);
        Shapes.require("rmsNorm", "rstd", rstd, rows);
        pool.forRange(rows, (long) x.size() * 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n, yi = y.offset() + r * n;
                double ss = 0;
                for (int j = 0; j < n; j++) ss += x.data()[xi + j] * x.data()[xi + j];
                float rs = (float) (1.0 / Math.sqrt(ss / n + eps));
                for (int j = 0; j < n; j++) y.data()[yi + j] = x.data()[xi + j] * rs * gamma.at(j);
                rstd.put(r, rs);
            }
        });
    }

    /** With x̂ = x·rstd and g = dy ⊙ γ: dx = rstd · (g − x̂ · mean(g ⊙ x̂)),  dγ += Σ_r dy ⊙ x̂. */
    static void rmsNormBackward(Parallel pool, Tensor dy, Tensor x, Tensor gamma, Tensor rstd, Tensor dx, Tensor dgamma) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("rmsNormBackward", dy, x);
        Shapes.requireSameSize("rmsNormBackward", dx, x);
        for (int r = 0; r < rows; r++) {
            int xi = x.offset() + r * n, gi = dy.offset() + r * n, oi = dx.offset() + r * n;
            float rs = rstd.at(r);
            double sumGx = 0;
            for (int j = 0; j < n; j++) {
                float xh = x.data()[xi + j] * rs;
                sumGx += dy.data()[gi + j] * gamma.at(j) * xh;
                if (dgamma != null) dgamma.put(j, dgamma.at(j) + dy.data()[gi + j] * xh);
            }
            float meanGx = (float) (sumGx / n);
            for (int j = 0; j < n; j++) {
                float xh = x.data()[xi + j] * rs;
                dx.data()[oi + j] = rs * (dy.data()[gi + j] * gamma.at(j) - xh * meanGx);
            }
        }
    }
}
