package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Diagonal scaling of matrices from either side, and reciprocal square roots (DoRA's norms, VeRA's and RandLoRA's scaling vectors). */
final class Scaling {
    private Scaling() {}

    /** {@code out[i, j] = rowScale[i]·x[i, j]·colScale[j]}; a null scale is all ones; {@code out} may alias x. */
    static void diagonal(Parallel pool, Tensor rowScale, Tensor x, Tensor colScale, Tensor out) {
        int rows = x.rows(), n = x.cols();
        Shapes.requireSameSize("diagonalScale", x, out);
        if (rowScale != null && rowScale.size() != rows) {
            throw new org.peft4j.tensor.ShapeException("diagonalScale: rowScale " + Shapes.describe(rowScale)
                    + " needs " + rows + " values for x " + Shapes.describe(x));
        }
        if (colScale != null && colScale.size() != n) {
            throw new org.peft4j.tensor.ShapeException("diagonalScale: colScale " + Shapes.describe(colScale)
                    + " needs " + n + " values for x " + Shapes.describe(x));
        }
        float[] xd = x.data(), od = out.data();
        float[] cd = colScale == null ? null : colScale.data();
        int xo = x.offset(), oo = out.offset(), co = colScale == null ? 0 : colScale.offset();
        pool.forRange(rows, x.size(), (from, to) -> {
            for (int i = from; i < to; i++) {
                float s = rowScale == null ? 1f : rowScale.at(i);
                Rows.normalize(xd, xo + i * n, 0f, s, cd, co, null, 0, od, oo + i * n, n);
            }
        });
    }

    /** {@code out = 1/√x}; {@code out} may alias x. */
    static void rsqrt(Parallel pool, Tensor x, Tensor out) {
        Shapes.requireSameSize("rsqrt", x, out);
        float[] xd = x.data(), od = out.data();
        int xo = x.offset(), oo = out.offset();
        FloatVector one = FloatVector.broadcast(F, 1f);
        pool.forRange(x.size(), x.size(), (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                one.div(FloatVector.fromArray(F, xd, xo + i).sqrt()).intoArray(od, oo + i);
            }
            if (i < to) {
                VectorMask<Float> m = VectorMath.tail(i, to);
                one.div(FloatVector.fromArray(F, xd, xo + i, m).sqrt()).intoArray(od, oo + i, m);
            }
        });
    }
}
