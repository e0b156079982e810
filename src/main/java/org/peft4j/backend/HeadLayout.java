package org.peft4j.backend;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * The two layouts {@link Ops#splitHeads} and {@link Ops#mergeHeads} move attention heads between,
 * checked the same way by every backend:
 * <pre>
 *   packed [B, S, W]:  head h of token (b, s) at columns [column + h·D, column + (h+1)·D)
 *   heads  [B, H, S, D]
 * </pre>
 */
public final class HeadLayout {
    private HeadLayout() {}

    public static void check(String op, Tensor packed, int column, Tensor heads) {
        Shapes.check(packed.rank() == 3 && heads.rank() == 4, op, "expected packed [B, S, W] and heads [B, H, S, D]", packed, heads);
        Shapes.check(packed.dim(0) == heads.dim(0) && packed.dim(1) == heads.dim(2), op, "batch or sequence length differ", packed, heads);
        Shapes.check(column >= 0 && column + heads.dim(1) * heads.dim(3) <= packed.dim(2), op,
                "columns [" + column + ", " + (column + heads.dim(1) * heads.dim(3)) + ") outside the packed width", packed, heads);
    }
}
