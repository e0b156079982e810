package org.peft4j.peft;

import java.util.Map;
import org.peft4j.tensor.Tensor;

/**
 * Tensors that every layer of one adapter shares (VeRA's frozen projections {@code vera_A} /
 * {@code vera_B}, RandLoRA's bases): PEFT keeps them once on the tuner model and saves them as
 * {@code base_model.<key>}. An {@link Adapter} that uses such tensors implements this and returns
 * the same live tensors from every layer; loading a saved adapter copies into them.
 */
public interface SharedTensors {
    /** PEFT key without the adapter name (e.g. {@code vera_A}) → the live shared tensor. */
    Map<String, Tensor> sharedTensors();
}
