package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * LayerNorm over the last axis, vectorised along each row and parallel over rows:
 * <pre>
 *   μ = mean(x),  rstd = 1/√(mean((x − μ)²) + ε),  x̂ = (x − μ)·rstd,  y = x̂ ⊙ γ + β
 * </pre>
 * Row statistics are summed in double over two passes, so rows far from zero keep their precision.
 */
final class LayerNorm {
    private LayerNorm() {}

    static void forward(Parallel pool, Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("layerNorm", x, y);
        Shapes.require("layerNorm", "gamma", gamma, n);
        Shapes.require("layerNorm", "beta", beta, n);
        Shapes.require("layerNorm", "mean", mean, rows);
        Shapes.require("layerNorm", "rstd", rstd, rows);
        float[] xd = x.data();
        pool.forRange(rows, (long) x.size() * VectorMath.UNITS_PER_NS, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n;
                float mu = (float) (Rows.sum(xd, xi, n) / n);
                float rs = (float) (1 / Math.sqrt(Rows.sumOfSquares(xd, xi, n, mu) / n + eps));
                Rows.normalize(xd, xi, mu, rs, gamma.data(), gamma.offset(), beta.data(), beta.offset(),
                        y.data(), y.offset() + r * n, n);
                mean.put(r, mu);
                rstd.put(r, rs);
            }
        });
    }

    /**
     * With x̂ = (x − μ)·rstd and g = dy ⊙ γ:
     * <pre>
     *   dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),   dγ += Σ_r dy ⊙ x̂,   dβ += Σ_r dy
     * </pre>
     * dx row by row in parallel (it may alias dy); dγ, dβ (either may be null) through {@link ColumnSums}.
     */
    static void backward(Parallel pool, Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                         Tensor dx, Tensor dgamma, Tensor dbeta) {
        int n = x.cols(), rows = x.rows();
        String op = "layerNormBackward";
        Shapes.requireSameSize(op, dy, x);
        Shapes.requireSameSize(op, dx, x);
        Shapes.require(op, "gamma", gamma, n);
        Shapes.require(op, "mean", mean, rows);
        Shapes.require(op, "rstd", rstd, rows);
        if (dgamma != null) Shapes.require(op, "dgamma", dgamma, n);
        if (dbeta != null) Shapes.require(op, "dbeta", dbeta, n);
        float[] xd = x.data(), gd = dy.data();
        ColumnSums.accumulate(pool, rows, n, (long) x.size() * 2 * VectorMath.UNITS_PER_NS, (from, to, partials) -> {
            float[] g = new float[n], xHat = new float[n];
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n, gi = dy.offset() + r * n;
                float rs = rstd.at(r);
                Rows.normalize(xd, xi, mean.at(r), rs, null, 0, null, 0, xHat, 0, n);
                Rows.product(gd, gi, gamma.data(), gamma.offset(), g, 0, n);
                if (partials[0] != null) Rows.addProductInto(gd, gi, xHat, 0, partials[0], 0, n);
                if (partials[1] != null) Rows.addInto(gd, gi, partials[1], 0, n);
                float meanG = (float) (Rows.sum(g, 0, n) / n);
                float meanGx = Rows.dot(g, 0, xHat, 0, n) / n;
                Rows.normGradient(g, xHat, meanG, meanGx, rs, dx.data(), dx.offset() + r * n, n);
            }
        }, dgamma, dbeta);
    }
}
