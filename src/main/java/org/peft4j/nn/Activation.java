package org.peft4j.nn;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/** Pointwise non-linearities with their derivatives. */
public enum Activation {
    /** x·Φ(x), the erf form used by BERT. */
    GELU,
    /** x·σ(x). */
    SILU;

    public void forward(Ops ops, Tensor x, Tensor y) {
        switch (this) {
            case GELU -> ops.gelu(x, y);
            case SILU -> ops.silu(x, y);
        }
    }

    public void backward(Ops ops, Tensor x, Tensor dy, Tensor dx) {
        switch (this) {
            case GELU -> ops.geluBackward(x, dy, dx);
            case SILU -> ops.siluBackward(x, dy, dx);
        }
    }
}
