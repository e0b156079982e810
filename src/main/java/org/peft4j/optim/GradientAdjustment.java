package org.peft4j.optim;

import org.peft4j.backend.Ops;

/**
 * Rewrites gradients in place right before an optimizer step (after clipping), as LoRA-Pro and ALLoRA
 * change the gradients of LoRA factors that AdamW then consumes. Holds no state across steps.
 */
@FunctionalInterface
public interface GradientAdjustment {
    void adjust(Ops ops);
}
