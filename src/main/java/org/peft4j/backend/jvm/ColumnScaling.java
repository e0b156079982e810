package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** {@code out[r, :] = x[r, :] ⊙ v}: a row vector broadcast over the rows of a matrix, vectorised per row. */
final class ColumnScaling {
    private ColumnScaling() {}

    /** Scales column j of x by {@code v[j]} into {@code out} (same size; may alias x). */
    static void apply(Parallel pool, Tensor x, Tensor v, Tensor out) {
        int n = x.cols();
        Shapes.require("scaleColumns", "v", v, n);
        Shapes.requireSameSize("scaleColumns", x, out);
        float[] xd = x.data(), vd = v.data(), od = out.data();
        int xo = x.offset(), vo = v.offset(), oo = out.offset();
        pool.forRange(x.rows(), x.size(), (from, to) -> {
            for (int r = from; r < to; r++) Rows.product(xd, xo + r * n, vd, vo, od, oo + r * n, n);
        });
    }
}
