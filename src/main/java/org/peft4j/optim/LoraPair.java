package org.peft4j.optim;

import java.util.Arrays;
import org.peft4j.nn.Parameter;

/**
 * The two factors of one LoRA branch, {@code ΔW = s·B·A} with A [r, in] and B [out, r], as the
 * optimizers that treat them together ({@link LoraPro}, {@link Allora}) see them.
 */
public record LoraPair(Parameter a, Parameter b, double scale) {
    public LoraPair {
        int[] as = a.value().shape(), bs = b.value().shape();
        if (as.length != 2 || bs.length != 2 || as[0] != bs[1]) {
            throw new IllegalArgumentException("LoRA factors " + a.name() + Arrays.toString(as) + " and " + b.name()
                    + Arrays.toString(bs) + " are not A [r, in] and B [out, r]");
        }
        if (!(scale > 0 && Double.isFinite(scale))) throw new IllegalArgumentException("LoRA scale must be finite and > 0, got " + scale);
    }

    public int rank() { return a.value().dim(0); }
}
