package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.D;
import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorised loops over one contiguous run of {@code n} floats ({@code array, offset}): the
 * building blocks of the row-wise kernels. Each runs full vectors, then one masked tail.
 */
final class Rows {
    private Rows() {}

    /** Σ a, in double lanes added in a fixed order. */
    static double sum(float[] a, int ao, int n) {
        return sumOfPowers(a, ao, n, 0f, false);
    }

    /** Σ (a − shift)², squared and summed in double lanes (exact squares of float differences). */
    static double sumOfSquares(float[] a, int ao, int n, float shift) {
        return sumOfPowers(a, ao, n, shift, true);
    }

    private static double sumOfPowers(float[] a, int ao, int n, float shift, boolean square) {
        // One loop per case: a loop choosing between add and fma merges two vector values into each
        // accumulator, which C2 boxes.
        DoubleVector low = DoubleVector.zero(D), high = DoubleVector.zero(D);
        int j = 0, bound = F.loopBound(n);
        if (square) {
            for (; j < bound; j += LANES) {
                FloatVector v = FloatVector.fromArray(F, a, ao + j).sub(shift);
                DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
                low = v0.fma(v0, low);
                high = v1.fma(v1, high);
            }
        } else {
            for (; j < bound; j += LANES) {
                FloatVector v = FloatVector.fromArray(F, a, ao + j).sub(shift);
                low = low.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0));
                high = high.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
            }
        }
        double s = VectorMath.sumLanes(low) + VectorMath.sumLanes(high);
        for (; j < n; j++) {
            double d = a[ao + j] - shift;
            s += square ? d * d : d;
        }
        return s;
    }

    /** Σ a in float lanes, in one masked loop. */
    static float floatSum(float[] a, int ao, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += LANES) {
            acc = acc.add(FloatVector.fromArray(F, a, ao + j, VectorMath.tail(j, n)));
        }
        return VectorMath.sumLanes(acc);
    }

    /**
     * Σ a ⊙ b in float lanes, in one masked loop: an accumulator merged from a separate masked tail
     * is boxed by C2.
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            acc = FloatVector.fromArray(F, a, ao + j, m).fma(FloatVector.fromArray(F, b, bo + j, m), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** {@code dst += src}. */
    static void addInto(float[] src, int so, float[] dst, int dOff, int n) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            FloatVector.fromArray(F, src, so + j).add(FloatVector.fromArray(F, dst, dOff + j)).intoArray(dst, dOff + j);
        }
        if (j < n) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector.fromArray(F, src, so + j, m).add(FloatVector.fromArray(F, dst, dOff + j, m)).intoArray(dst, dOff + j, m);
        }
    }

    /** {@code dst += a ⊙ b}. */
    static void addProductInto(float[] a, int ao, float[] b, int bo, float[] dst, int dOff, int n) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            FloatVector.fromArray(F, a, ao + j).fma(FloatVector.fromArray(F, b, bo + j), FloatVector.fromArray(F, dst, dOff + j))
                    .intoArray(dst, dOff + j);
        }
        if (j < n) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector.fromArray(F, a, ao + j, m).fma(FloatVector.fromArray(F, b, bo + j, m), FloatVector.fromArray(F, dst, dOff + j, m))
                    .intoArray(dst, dOff + j, m);
        }
    }

    /** {@code y = a ⊙ b}. */
    static void product(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            FloatVector.fromArray(F, a, ao + j).mul(FloatVector.fromArray(F, b, bo + j)).intoArray(y, yo + j);
        }
        if (j < n) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector.fromArray(F, a, ao + j, m).mul(FloatVector.fromArray(F, b, bo + j, m)).intoArray(y, yo + j, m);
        }
    }

    /**
     * {@code y = (x − shift)·scale ⊙ γ + β}, the affine step of a norm; {@code gamma} or
     * {@code beta} null means 1 or 0.
     */
    static void normalize(float[] x, int xo, float shift, float scale, float[] gamma, int go, float[] beta, int bo,
                          float[] y, int yo, int n) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, xo + j).sub(shift).mul(scale);
            if (gamma != null) v = v.mul(FloatVector.fromArray(F, gamma, go + j));
            if (beta != null) v = v.add(FloatVector.fromArray(F, beta, bo + j));
            v.intoArray(y, yo + j);
        }
        if (j < n) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + j, m).sub(shift).mul(scale);
            if (gamma != null) v = v.mul(FloatVector.fromArray(F, gamma, go + j, m));
            if (beta != null) v = v.add(FloatVector.fromArray(F, beta, bo + j, m));
            v.intoArray(y, yo + j, m);
        }
    }

    /** {@code dx = scale·(g − c − x̂·d)}: the input gradient shared by LayerNorm and RMSNorm. */
    static void normGradient(float[] g, float[] xHat, float c, float d, float scale, float[] dx, int dOff, int n) {
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector xh = FloatVector.fromArray(F, xHat, j, m);
            FloatVector.fromArray(F, g, j, m).sub(c).sub(xh.mul(d)).mul(scale).intoArray(dx, dOff + j, m);
        }
    }
}
