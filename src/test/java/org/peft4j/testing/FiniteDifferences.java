package org.peft4j.testing;

/**
 * Numerical gradients by central differences, in double precision, to check hand-written
 * backward passes:
 * <pre>
 *   ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h        (error O(h²))
 * </pre>
 * A backward pass computes a vector-Jacobian product {@code wᵀ·J_F(x)} for an upstream gradient
 * {@code w}; that is the gradient of the scalar {@code ⟨w, F(x)⟩}, which {@link #vectorJacobianProduct}
 * differentiates.
 */
public final class FiniteDifferences {
    private FiniteDifferences() {}

    /** A scalar function of a point. */
    @FunctionalInterface
    public interface ScalarFunction {
        double at(double[] x);
    }

    /** A vector function of a point. */
    @FunctionalInterface
    public interface VectorFunction {
        double[] at(double[] x);
    }

    /** The gradient of {@code f} at {@code x} by central differences of step {@code h}; {@code x} is left as it was. */
    public static double[] gradient(ScalarFunction f, double[] x, double h) {
        if (!(h > 0)) throw new IllegalArgumentException("finite-difference step must be positive, got " + h);
        double[] point = x.clone();
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            point[i] = x[i] + h;
            double up = f.at(point);
            point[i] = x[i] - h;
            double down = f.at(point);
            point[i] = x[i];
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    /** {@code wᵀ·J_F(x)}: the gradient of {@code ⟨w, F(x)⟩}, what a backward pass returns for upstream gradient {@code w}. */
    public static double[] vectorJacobianProduct(VectorFunction f, double[] x, double[] w, double h) {
        return gradient(point -> {
            double[] y = f.at(point);
            if (y.length != w.length) {
                throw new IllegalArgumentException("function has " + y.length + " outputs but the upstream gradient has " + w.length);
            }
            double dot = 0;
            for (int i = 0; i < y.length; i++) dot += w[i] * y[i];
            return dot;
        }, x, h);
    }
}
