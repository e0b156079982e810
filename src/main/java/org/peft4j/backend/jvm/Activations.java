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
            for (int i = from; i < to; i += LANES) {
                VectorMask<Float> m = VectorMath.tail(i, to);
                value(kind, FloatVector.fromArray(F, xd, xo + i, m)).intoArray(yd, yo + i, m);
            }
        });
    }

    /**
     * Values per block of the backward's passes (4 KB of slopes, which stay in L1 from the pass
     * that writes them to the one that reads them).
     */
    private static final int BLOCK = 1024;

    /** {@code dx = dy·f'(x)}; {@code dx} may alias {@code dy}. */
    static void backward(Parallel pool, Kind kind, Tensor x, Tensor dy, Tensor dx) {
        String op = kind.name().toLowerCase() + "Backward";
        Shapes.requireSameSize(op, x, dy);
        Shapes.requireSameSize(op, x, dx);
        float[] xd = x.data(), gd = dy.data(), od = dx.data();
        int xo = x.offset(), go = dy.offset(), oo = dx.offset();
        pool.forRange(x.size(), (long) x.size() * 2 * WORK_PER_VALUE, (from, to) -> {
            float[] slopes = new float[BLOCK];
            for (int b = from; b < to; b += BLOCK) {
                int n = Math.min(BLOCK, to - b);
                switch (kind) {
                    case GELU -> {
                        normalCdfInto(xd, xo + b, n, slopes);
                        addXTimesNormalPdfInto(xd, xo + b, n, slopes);
                    }
                    case SILU -> siluSlopeInto(xd, xo + b, n, slopes);
                }
                Rows.product(gd, go + b, slopes, 0, od, oo + b, n);
            }
        });
    }

    // The slope passes below each evaluate one exp per vector. GELU's slope Φ(x) + x·φ(x) needs two, and
    // one loop with both outgrows C2's inlining budget (a helper left out of line boxes every vector it
    // passes), so it runs as two passes, which JitDirectives keeps out of line from their caller.

    /** {@code slopes[j] = Φ(x[xo + j])}. */
    private static void normalCdfInto(float[] x, int xo, int n, float[] slopes) {
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            VectorMath.normalCdf(FloatVector.fromArray(F, x, xo + j, m)).intoArray(slopes, j, m);
        }
    }

    /** {@code slopes[j] += x·φ(x)}, {@code x = x[xo + j]}, as one fma. */
    private static void addXTimesNormalPdfInto(float[] x, int xo, int n, float[] slopes) {
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + j, m);
            v.fma(VectorMath.normalPdf(v), FloatVector.fromArray(F, slopes, j, m)).intoArray(slopes, j, m);
        }
    }

    /** {@code slopes[j] = σ(x)·(1 + x·(1 − σ(x)))}, {@code x = x[xo + j]}. */
    private static void siluSlopeInto(float[] x, int xo, int n, float[] slopes) {
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = VectorMath.tail(j, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + j, m);
            FloatVector s = VectorMath.sigmoid(v);
            s.mul(v.mul(s.neg().add(1f)).add(1f)).intoArray(slopes, j, m);
        }
    }

    private static FloatVector value(Kind kind, FloatVector x) {
        return switch (kind) {
            case GELU -> x.mul(VectorMath.normalCdf(x));
            case SILU -> x.mul(VectorMath.sigmoid(x));
        };
    }
}
