package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * GELU (erf form, as BERT) and SiLU, forward and backward, vectorised:
 * <pre>
 *   gelu(x) = x·Φ(x)      gelu'(x) = Φ(x) + x·φ(x)
 *   silu(x) = x·σ(x)      silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
 * </pre>
 */
final class Activations {
    private Activations() {}

    enum Kind { GELU, SILU }

    /** Work per value (about 1 ns: an exp and a division, two exps in the backward). */
    private static final int WORK_PER_VALUE = VectorMath.UNITS_PER_NS;

    /** {@code y = f(x)}; {@code y} may alias {@code x}. */
    static void forward(Parallel pool, Kind kind, Tensor x, Tensor y) {
        Shapes.requireSameSize(kind.name().toLowerCase(), x, y);
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        pool.forRange(x.size(), (long) x.size() * WORK_PER_VALUE, (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                value(kind, FloatVector.fromArray(F, xd, xo + i)).intoArray(yd, yo + i);
            }
            if (i < to) {
                VectorMask<Float> m = VectorMath.tail(i, to);
                value(kind, FloatVector.fromArray(F, xd, xo + i, m)).intoArray(yd, yo + i, m);
            }
        });
    }

    /** {@code dx = dy·f'(x)}; {@code dx} may alias {@code dy}. */
    static void backward(Parallel pool, Kind kind, Tensor x, Tensor dy, Tensor dx) {
        String op = kind.name().toLowerCase() + "Backward";
        Shapes.requireSameSize(op, x, dy);
        Shapes.requireSameSize(op, x, dx);
        float[] xd = x.data(), gd = dy.data(), od = dx.data();
        int xo = x.offset(), go = dy.offset(), oo = dx.offset();
        pool.forRange(x.size(), (long) x.size() * 2 * WORK_PER_VALUE, (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                FloatVector g = FloatVector.fromArray(F, gd, go + i);
                g.mul(derivative(kind, FloatVector.fromArray(F, xd, xo + i))).intoArray(od, oo + i);
            }
            if (i < to) {
                VectorMask<Float> m = VectorMath.tail(i, to);
                FloatVector g = FloatVector.fromArray(F, gd, go + i, m);
                g.mul(derivative(kind, FloatVector.fromArray(F, xd, xo + i, m))).intoArray(od, oo + i, m);
            }
        });
    }

    private static FloatVector value(Kind kind, FloatVector x) {
        return switch (kind) {
            case GELU -> x.mul(VectorMath.normalCdf(x));
            case SILU -> x.mul(VectorMath.sigmoid(x));
        };
    }

    private static FloatVector derivative(Kind kind, FloatVector x) {
        return switch (kind) {
            case GELU -> x.fma(VectorMath.normalPdf(x), VectorMath.normalCdf(x));
            case SILU -> {
                FloatVector s = VectorMath.sigmoid(x);
                yield s.mul(x.mul(s.neg().add(1f)).add(1f));
            }
        };
    }
}
