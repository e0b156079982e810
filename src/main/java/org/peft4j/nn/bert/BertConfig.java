package org.peft4j.nn.bert;

/**
 * Shape of a BERT-style encoder (Hugging Face {@code BertConfig} field meanings).
 * all-MiniLM-L6-v2: vocab 30522, hidden 384, 6 layers, 12 heads, intermediate 1536, 512 positions.
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps,
                         float hiddenDropout, float attentionDropout) {
    public BertConfig {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + heads + " heads");
        }
        if (vocabSize <= 0 || layers <= 0 || intermediateSize <= 0 || maxPositions <= 0 || typeVocabSize <= 0) {
            throw new IllegalArgumentException("BertConfig sizes must be positive: " + this);
        }
    }

    /** all-MiniLM-L6-v2's configuration. */
    public static BertConfig miniLmL6() {
        return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f);
    }

    public int headDim() { return hiddenSize / heads; }

    public BertConfig withDropout(float hidden, float attention) {
        return new BertConfig(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                layerNormEps, hidden, attention);
    }
}
