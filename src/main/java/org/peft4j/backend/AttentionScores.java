package org.peft4j.backend;

import java.util.Arrays;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Shape checks of {@link Ops#attentionSoftmax}, shared by every backend. */
public final class AttentionScores {
    private AttentionScores() {}

    /** Scores {@code s [B, H, S, S]}, {@code p} of the same size, key mask (may be null) {@code [B, S]}. */
    public static void check(Tensor s, IntTensor keyMask, Tensor p) {
        Shapes.check(s.rank() == 4 && s.dim(2) == s.dim(3), "attentionSoftmax", "scores must be [B, H, S, S]", s, p);
        Shapes.requireSameSize("attentionSoftmax", s, p);
        int batch = s.dim(0), seq = s.dim(2);
        if (keyMask != null && (keyMask.shape().length != 2 || keyMask.dim(0) != batch || keyMask.dim(1) != seq)) {
            throw new ShapeException("attentionSoftmax: key mask " + keyMask + " does not match scores "
                    + Arrays.toString(s.shape()) + ", expected IntTensor[" + batch + ", " + seq + "]");
        }
    }
}
