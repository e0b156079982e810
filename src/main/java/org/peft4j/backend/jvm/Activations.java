package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** GELU (erf form, as BERT) and SiLU, forward and backward. */
final class Activations {
    private Activations() {}

    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    @FunctionalInterface
    interface Pointwise {
        float apply(float x, float dy);
    }

    static void gelu(Parallel pool, Tensor x, Tensor y) {
        map(pool, "gelu", x, x, y, (v, unused) -> (float) (0.5 * v * (1 + erf(v * INV_SQRT2))));
    }

    static void geluBackward(Parallel pool, Tensor x, Tensor dy, Tensor dx) {
        map(pool, "geluBackward", x, dy, dx, (v, g) -> {
            double cdf = 0.5 * (1 + erf(v * INV_SQRT2));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
            return (float) (g * (cdf + v * pdf));
        });
    }

    static void silu(Parallel pool, Tensor x, Tensor y) {
        map(pool, "silu", x, x, y, (v, unused) -> (float) (v / (1 + Math.exp(-v))));
    }

    static void siluBackward(Parallel pool, Tensor x, Tensor dy, Tensor dx) {
        map(pool, "siluBackward", x, dy, dx, (v, g) -> {
            double s = 1 / (1 + Math.exp(-v));
            return (float) (g * s * (1 + v * (1 - s)));
        });
    }

    private static void map(Parallel pool, String op, Tensor x, Tensor dy, Tensor out, Pointwise f) {
        Shapes.requireSameSize(op, x, out);
        Shapes.requireSameSize(op, dy, out);
        float[] xd = x.data(), gd = dy.data(), od = out.data();
        int xo = x.offset(), go = dy.offset(), oo = out.offset();
        pool.forRange(x.size(), (long) x.size() * 20, (from, to) -> {
            for (int i = from; i < to; i++) od[oo + i] = f.apply(xd[xo + i], gd[go + i]);
        });
    }

    /**
     * erf(x) from the Chebyshev fit of erfc in Numerical Recipes (fractional error &lt; 1.2e-7,
     * below float32 resolution).
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
