package org.peft4j.backend;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Checks of {@link Ops#meanPool} and {@link Ops#meanPoolBackward}, shared by every backend. */
public final class MaskedMeanPool {
    private MaskedMeanPool() {}

    /** {@code h} is [B, S, D], {@code pooled} [B, D], and {@code mask} has one entry per token. */
    public static void check(String op, Tensor h, IntTensor mask, Tensor pooled) {
        Shapes.check(h.rank() == 3 && pooled.rank() == 2 && pooled.dim(0) == h.dim(0) && pooled.dim(1) == h.dim(2),
                op, "expected h [B, S, D] and pooled [B, D]", h, pooled);
        if (mask.size() != h.dim(0) * h.dim(1)) throw new ShapeException(op + ": mask " + mask + " does not cover h " + Shapes.describe(h));
    }
}
