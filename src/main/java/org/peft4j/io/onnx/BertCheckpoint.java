package org.peft4j.io.onnx;

import org.peft4j.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pretrained BERT weights as a Hugging Face {@code BertModel} state dict (names such as
 * {@code encoder.layer.0.attention.self.query.weight}; Linear weights in PyTorch layout
 * {@code [out, in]}) together with the config they imply.
 */
public record BertCheckpoint(BertConfig config, Map<String, Tensor> weights) {
    public BertCheckpoint {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** Total number of weight values. */
    public long parameterCount() {
        return weights.values().stream().mapToLong(Tensor::size).sum();
    }
}
