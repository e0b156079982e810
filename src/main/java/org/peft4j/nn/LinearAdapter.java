package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * What an adapter does to a {@link Linear}'s output. The layer computes
 * <pre>
 *   y = x·Wᵀ;  y ← adapter₁(x, y);  …;  y ← adapterₙ(x, y);  y += bias
 * </pre>
 * so an adapter sees the base output without bias: additive adapters (LoRA) add to it, others
 * (DoRA's magnitude, Hydra's sequential branch) may also read or rescale it. Backward runs in
 * reverse: each adapter turns the gradient of its output into the gradient of its input y and
 * accumulates its own parameter gradients; after the base has written {@code dx}, every adapter
 * adds its contribution to {@code dx}.
 */
public interface LinearAdapter {
    /** Parameters of this adapter (trainable or frozen). */
    List<Parameter> parameters();

    /** Updates {@code y [rows, out]} in place given the layer input {@code x [rows, in]}. */
    void forward(Ops ops, Tensor x, Tensor y);

    /**
     * Accumulates parameter gradients from {@code dy} (gradient of this adapter's output) and
     * returns the gradient of its input y: {@code dy} itself for an additive adapter.
     */
    Tensor backward(Ops ops, Tensor x, Tensor dy);

    /** Adds {@code (∂adapter/∂x)ᵀ·dy} (with the dy of the last backward) to {@code dx}. */
    void addInputGradient(Ops ops, Tensor dx);
}
