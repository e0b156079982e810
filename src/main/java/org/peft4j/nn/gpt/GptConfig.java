package org.peft4j.nn.gpt;

/**
 * Shape of a GPT-2-style decoder (Hugging Face {@code GPT2Config} meanings: n_embd, n_layer,
 * n_head, n_positions; MLP width 4·n_embd).
 */
public record GptConfig(int vocabSize, int contextLength, int layers, int heads, int hiddenSize,
                        float dropout, boolean tieWeights, float layerNormEps) {
    public GptConfig {
        if (heads > 0 && hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + heads + " heads");
        }
        if (vocabSize <= 0 || contextLength <= 0 || layers <= 0 || heads <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException("GPT sizes must be positive: vocabulary " + vocabSize + ", context " + contextLength
                    + ", layers " + layers + ", heads " + heads + ", hidden " + hiddenSize);
        }
    }

    public int headDim() { return hiddenSize / heads; }

    public int intermediateSize() { return 4 * hiddenSize; }
}
