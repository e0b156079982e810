package org.peft4j.nn;

import org.peft4j.tensor.Tensor;

/**
 * A named model parameter (Hugging Face naming, e.g. {@code encoder.layer.0.attention.self.query.weight})
 * with its gradient buffer; {@code grad == null} means frozen: no gradient is computed or stored.
 */
public record Parameter(String name, Tensor value, Tensor grad) {

    public static Parameter trainable(String name, Tensor value) {
        return new Parameter(name, value.named(name), Tensor.zeros(value.shape()).named(name + ".grad"));
    }

    public static Parameter frozen(String name, Tensor value) {
        return new Parameter(name, value.named(name), null);
    }

    public boolean trainable() { return grad != null; }

    /** This parameter with its gradient dropped or (re)allocated. */
    public Parameter withTrainable(boolean train) {
        if (train == trainable()) return this;
        return train ? trainable(name, value) : frozen(name, value);
    }

    public void zeroGrad() {
        if (grad != null) grad.fill(0f);
    }
}
