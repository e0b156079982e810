package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * RMSNorm over the last axis, vectorised along each row and parallel over rows:
 * <pre>
 *   rstd = 1/√(mean(x²) + ε),  x̂ = x·rstd,  y = x̂ ⊙ γ
 * </pre>
 */
final class RmsNorm {
    private RmsNorm() {}

    static void forward(Parallel pool, Tensor x, Tensor gamma, float eps, Tensor y, Tensor rstd) {
        int n = x.cols(), rows = x.rows();
        Shapes.requireSameSize("rmsNorm", x, y);
        Shapes.require("rmsNorm", "gamma", gamma, n);
        Shapes.require("rmsNorm", "rstd", rstd, rows);
        float[] xd = x.data();
        pool.forRange(rows, (long) x.size() * VectorMath.UNITS_PER_NS / 2, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n;
                float rs = (float) (1 / Math.sqrt(Rows.sumOfSquares(xd, xi, n, 0f) / n + eps));
                Rows.normalize(xd, xi, 0f, rs, gamma.data(), gamma.offset(), null, 0, y.data(), y.offset() + r * n, n);
                rstd.put(r, rs);
            }
        });
    }

    /**
     * With x̂ = x·rstd and g = dy ⊙ γ:
     * <pre>
     *   dx = rstd · (g − x̂ · mean(g ⊙ x̂)),   dγ += Σ_r dy ⊙ x̂
     * </pre>
     * dx row by row in parallel (it may alias dy); dγ (may be null) through {@link ColumnSums}.
     */
    static void backward(Parallel pool, Tensor dy, Tensor x, Tensor gamma, Tensor rstd, Tensor dx, Tensor dgamma) {
        int n = x.cols(), rows = x.rows();
        String op = "rmsNormBackward";
        Shapes.requireSameSize(op, dy, x);
        Shapes.requireSameSize(op, dx, x);
        Shapes.require(op, "gamma", gamma, n);
        Shapes.require(op, "rstd", rstd, rows);
        if (dgamma != null) Shapes.require(op, "dgamma", dgamma, n);
        float[] xd = x.data(), gd = dy.data();
        ColumnSums.accumulate(pool, rows, n, (long) x.size() * VectorMath.UNITS_PER_NS, (from, to, partials) -> {
            float[] g = new float[n], xHat = new float[n];
            for (int r = from; r < to; r++) {
                int xi = x.offset() + r * n, gi = dy.offset() + r * n;
                float rs = rstd.at(r);
                Rows.normalize(xd, xi, 0f, rs, null, 0, null, 0, xHat, 0, n);
                Rows.product(gd, gi, gamma.data(), gamma.offset(), g, 0, n);
                if (partials[0] != null) Rows.addProductInto(gd, gi, xHat, 0, partials[0], 0, n);
                float meanGx = Rows.dot(g, 0, xHat, 0, n) / n;
                Rows.normGradient(g, xHat, 0f, meanGx, rs, dx.data(), dx.offset() + r * n, n);
            }
        }, dgamma);
    }
}
