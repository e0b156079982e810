package org.peft4j.nn;

import org.peft4j.tensor.Tensor;

/**
 * A named model parameter (Hugging Face naming, e.g. {@code encoder.layer.0.attention.self.query.weight})
 * with its gradient buffer. A frozen parameter ({@code requires_grad = False} in PyTorch) has no
 * gradient buffer: nothing computes or stores its gradient.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private Tensor grad;

    private Parameter(String name, Tensor value, boolean trainable) {
        this.name = name;
        this.value = value.named(name);
        setTrainable(trainable);
    }

    public static Parameter trainable(String name, Tensor value) {
        return new Parameter(name, value, true);
    }

    public static Parameter frozen(String name, Tensor value) {
        return new Parameter(name, value, false);
    }

    public String name() { return name; }
    public Tensor value() { return value; }

    /** The gradient buffer, or null when frozen. */
    public Tensor grad() { return grad; }

    public boolean trainable() { return grad != null; }

    /** Freezes (drops the gradient buffer) or unfreezes (allocates a zeroed one). */
    public void setTrainable(boolean train) {
        if (train == trainable()) return;
        grad = train ? Tensor.zeros(value.shape()).named(name + ".grad") : null;
    }

    public void zeroGrad() {
        if (grad != null) grad.fill(0f);
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape()) + (trainable() ? "" : " (frozen)");
    }
}
