package org.peft4j.peft;

import java.util.Map;
import org.peft4j.nn.LinearAdapter;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/** One method's adapter on one Linear: its parameters, its PEFT tensors, and where the math allows a ΔW. */
public interface Adapter extends LinearAdapter, org.peft4j.train.StepListener {

    /**
     * The tensors to save, by PEFT key relative to the module (e.g. {@code lora_A.weight} → [r, in]):
     * the live values, so that loading a saved adapter can copy into them.
     */
    Map<String, Tensor> peftTensors();

    /**
     * The dense update ΔW [out, in] with {@code x·(W + ΔW)ᵀ = adapter(x, x·Wᵀ)} for the base weight
     * {@code w}, or null when the method is not a weight update (then merging is refused).
     */
    Tensor deltaWeight(Tensor w);

    /**
     * Tensors every module of this adapter shares, by PEFT key relative to the model root (VeRA's
     * {@code vera_A}, {@code vera_B}): saved once, as {@code base_model.<key>}. Empty for most methods.
     */
    default Map<String, Tensor> sharedPeftTensors() { return Map.of(); }

    /** Switches training-only behaviour (dropout) before a pass is recorded. */
    default void setTraining(boolean training) {}

    /** Number of trainable values. */
    default long trainableParameterCount() {
        return parameters().stream().filter(Parameter::trainable).mapToLong(p -> p.value().size()).sum();
    }
}
