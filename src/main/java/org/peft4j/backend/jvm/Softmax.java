package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Row-wise softmax, its backward, and the rows of attention's masked, scaled softmax
 * ({@link Attention}), vectorised. Every row goes through one routine over its logits {@code z_j = scale·x_j + bias_j} for the first
 * {@code visible} keys (the rest are masked):
 * <pre>
 *   y_j = exp(z_j − max z) / Σ_k exp(z_k − max z)   (j &lt; visible),   y_j = 0 otherwise
 * </pre>
 * where {@code bias_j} is 0 or −∞ (key padding); a row whose logits are all −∞ yields zeros.
 */
final class Softmax {
    private Softmax() {}

    /** Work per value (about 1 ns: three passes and an exp). */
    private static final int WORK_PER_VALUE = VectorMath.UNITS_PER_NS;

    static void softmax(Parallel pool, Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int n = x.cols();
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        pool.forRange(x.rows(), (long) x.size() * WORK_PER_VALUE, (from, to) -> {
            for (int r = from; r < to; r++) row(xd, xo + r * n, 1f, null, 0, n, n, 1f, yd, yo + r * n);
        });
    }

    /** {@code dx = y ⊙ (dy − rowsum(dy ⊙ y))}; {@code dx} may alias {@code dy}. */
    static void backward(Parallel pool, Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int n = y.cols();
        float[] yd = y.data(), gd = dy.data(), od = dx.data();
        int yo = y.offset(), go = dy.offset(), oo = dx.offset();
        pool.forRange(y.rows(), y.size(), (from, to) -> {
            for (int r = from; r < to; r++) backwardRow(yd, yo + r * n, gd, go + r * n, od, oo + r * n, n);
        });
    }

    /** One row of {@link #backward}; {@code dx} may alias {@code y} or {@code dy}. */
    static void backwardRow(float[] yd, int yi, float[] gd, int gi, float[] od, int oi, int n) {
        float dot = Rows.dot(gd, gi, yd, yi, n);
        int j = 0;
        for (; j < F.loopBound(n); j += LANES) {
            FloatVector g = FloatVector.fromArray(F, gd, gi + j);
            g.sub(dot).mul(FloatVector.fromArray(F, yd, yi + j)).intoArray(od, oi + j);
        }
        if (j < n) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector g = FloatVector.fromArray(F, gd, gi + j, m);
            g.sub(dot).mul(FloatVector.fromArray(F, yd, yi + j, m)).intoArray(od, oi + j, m);
        }
    }

    /** 0 where {@code keyMask} is non-zero (attend), −∞ where it is zero (padding). */
    static float[] paddingBias(IntTensor keyMask) {
        int[] ids = keyMask.data();
        float[] bias = new float[ids.length];
        for (int k = 0; k < ids.length; k++) bias[k] = ids[k] != 0 ? 0f : Float.NEGATIVE_INFINITY;
        return bias;
    }

    /**
     * One row: {@code mass}·softmax of {@code scale·x + bias} over the first {@code visible} of
     * {@code n} values. Returns the log-normalizer log Σ_j exp(z_j) (−∞ for a fully masked row).
     */
    static double row(float[] x, int xi, float scale, float[] bias, int bi, int visible, int n, float mass, float[] y, int yi) {
        float max = maxLogit(x, xi, scale, bias, bi, visible);
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(y, yi, yi + n, 0f);
            return Double.NEGATIVE_INFINITY;
        }
        float sum = exponentiate(x, xi, scale, bias, bi, visible, max, y, yi);
        float inv = mass / sum;
        for (int j = 0; j < visible; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, visible);
            FloatVector.fromArray(F, y, yi + j, m).mul(inv).intoArray(y, yi + j, m);
        }
        Arrays.fill(y, yi + visible, yi + n, 0f);
        return max + Math.log(sum);
    }

    // The passes of a row are one masked loop each (a vector accumulator merged from a separate masked
    // tail is boxed by C2) and stay out of line (JitDirectives): together they outgrow C2's inlining budget.

    /** max_j z_j over the first {@code visible} logits. */
    private static float maxLogit(float[] x, int xi, float scale, float[] bias, int bi, int visible) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < visible; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, visible);
            acc = acc.lanewise(VectorOperators.MAX, logits(x, xi, scale, bias, bi, j, m), m);
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code y_j = exp(z_j − max)} over the first {@code visible} logits; returns Σ_j y_j. The sum is
     * a second pass over the row (in L1): a vector accumulator leaving this loop, which inlines a
     * whole exp, was boxed once per row.
     */
    private static float exponentiate(float[] x, int xi, float scale, float[] bias, int bi, int visible, float max, float[] y, int yi) {
        for (int j = 0; j < visible; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, visible);
            VectorMath.exp(logits(x, xi, scale, bias, bi, j, m).sub(max)).intoArray(y, yi + j, m);
        }
        return Rows.floatSum(y, yi, visible);
    }

    /** {@code scale·x + bias} at {@code j}, over the lanes of {@code m}. */
    private static FloatVector logits(float[] x, int xi, float scale, float[] bias, int bi, int j, VectorMask<Float> m) {
        FloatVector z = FloatVector.fromArray(F, x, xi + j, m).mul(scale);
        return bias == null ? z : z.add(FloatVector.fromArray(F, bias, bi + j, m));
    }
}
