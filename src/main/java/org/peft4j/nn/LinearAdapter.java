package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * Something added to a {@link Linear}'s output: {@code y = base(x) + Σ adapterᵢ(x)}. The LoRA
 * family implements this; the adapter owns its parameters and computes its own backward.
 */
public interface LinearAdapter {
    /** Parameters of this adapter (trainable or frozen). */
    List<Parameter> parameters();

    /** {@code y += Δ(x)}, x [rows, in], y [rows, out]. */
    void forward(Ops ops, Tensor x, Tensor y);

    /** Accumulates its parameter gradients and adds {@code (∂Δ/∂x)ᵀ·dy} to {@code dx} when dx is not null. */
    void backward(Ops ops, Tensor x, Tensor dy, Tensor dx);
}
