package org.peft4j.nn.gpt;

import org.peft4j.nn.lowrank.WeightSpec;

/**
 * Shape of a GPT-2-style decoder (Hugging Face {@code GPT2Config} meanings: n_embd, n_layer,
 * n_head, n_positions; MLP width 4·n_embd), and how the blocks' attention and MLP weights are
 * parameterised ({@code weight}: dense, low-rank, SLTrain or LOST; the LM head stays dense).
 */
public record GptConfig(int vocabSize, int contextLength, int layers, int heads, int hiddenSize,
                        float dropout, boolean tieWeights, float layerNormEps, WeightSpec weight) {

    /** Dense weights. */
    public GptConfig(int vocabSize, int contextLength, int layers, int heads, int hiddenSize,
                     float dropout, boolean tieWeights, float layerNormEps) {
        this(vocabSize, contextLength, layers, heads, hiddenSize, dropout, tieWeights, layerNormEps, WeightSpec.DENSE);
    }

    public GptConfig {
        if (weight == null) throw new IllegalArgumentException("GPT weight parameterisation must not be null (use WeightSpec.DENSE)");
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
