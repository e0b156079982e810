package org.peft4j.backend;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Shape checks of {@link Ops#nearestCode}, shared by every backend. */
public final class NearestCode {
    private NearestCode() {}

    /** x [N, D], codebook [K ≥ 1, D], distances [N, K], codes [N]. */
    public static void check(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        String op = "nearestCode";
        int n = x.rows(), d = x.cols(), k = codebook.rows();
        if (codebook.cols() != d) {
            throw new ShapeException(op + ": codebook rows have " + codebook.cols() + " values but x rows have " + d
                    + " (" + Shapes.describe(codebook) + " vs " + Shapes.describe(x) + ")");
        }
        if (k < 1) throw new ShapeException(op + ": the codebook " + Shapes.describe(codebook) + " has no rows");
        Shapes.require(op, "distances", distances, n, k);
        if (codes.size() != n) throw new ShapeException(op + ": codes " + codes + " must hold one code per row of x (" + n + ")");
    }
}
