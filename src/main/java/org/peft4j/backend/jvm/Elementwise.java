package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Elementwise arithmetic, copies, bias broadcast and its gradient, vectorised. */
final class Elementwise {
    private Elementwise() {}

    /** Binary lane operations {@code out = f(a, b)}, with the scalar {@code alpha} where one is used. */
    enum Zip {
        /** a + b */ ADD,
        /** a ⊙ b */ MUL,
        /** alpha·a + b */ AXPY,
        /** alpha·a (b is not read) */ SCALE
    }

    /** {@code out = op(alpha, a, b)}; {@code out} may alias {@code a} or {@code b}. */
    static void zip(Parallel pool, Zip op, float alpha, Tensor a, Tensor b, Tensor out) {
        String name = op.name().toLowerCase();
        Shapes.requireSameSize(name, a, b);
        Shapes.requireSameSize(name, a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        pool.forRange(a.size(), a.size(), (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                FloatVector av = FloatVector.fromArray(F, ad, ao + i);
                FloatVector bv = op == Zip.SCALE ? av : FloatVector.fromArray(F, bd, bo + i);
                apply(op, alpha, av, bv).intoArray(od, oo + i);
            }
            if (i < to) {
                VectorMask<Float> m = VectorMath.tail(i, to);
                FloatVector av = FloatVector.fromArray(F, ad, ao + i, m);
                FloatVector bv = op == Zip.SCALE ? av : FloatVector.fromArray(F, bd, bo + i, m);
                apply(op, alpha, av, bv).intoArray(od, oo + i, m);
            }
        });
    }

    private static FloatVector apply(Zip op, float alpha, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case MUL -> a.mul(b);
            case AXPY -> a.fma(FloatVector.broadcast(F, alpha), b);
            case SCALE -> a.mul(alpha);
        };
    }

    /** {@code dst = src}, in parallel chunks for large tensors. */
    static void copy(Parallel pool, Tensor src, Tensor dst) {
        Shapes.requireSameSize("copy", src, dst);
        float[] sd = src.data(), dd = dst.data();
        int so = src.offset(), dOff = dst.offset();
        pool.forRange(src.size(), src.size(), (from, to) -> System.arraycopy(sd, so + from, dd, dOff + from, to - from));
    }

    /** {@code x[r, :] += bias} for every row r. */
    static void addBias(Parallel pool, Tensor x, Tensor bias) {
        int n = x.cols();
        Shapes.require("addBias", "bias", bias, n);
        float[] xd = x.data(), bd = bias.data();
        int xo = x.offset(), bo = bias.offset();
        pool.forRange(x.rows(), x.size(), (from, to) -> {
            for (int r = from; r < to; r++) Rows.addInto(bd, bo, xd, xo + r * n, n);
        });
    }

    /** {@code dbias += Σ_r dy[r, :]}, deterministic for a given thread count (see {@link ColumnSums}). */
    static void biasGradient(Parallel pool, Tensor dy, Tensor dbias) {
        int n = dy.cols();
        Shapes.require("biasGradient", "dbias", dbias, n);
        float[] gd = dy.data();
        int go = dy.offset();
        ColumnSums.accumulate(pool, dy.rows(), n, dy.size(), (from, to, partials) -> {
            for (int r = from; r < to; r++) Rows.addInto(gd, go + r * n, partials[0], 0, n);
        }, dbias);
    }
}
