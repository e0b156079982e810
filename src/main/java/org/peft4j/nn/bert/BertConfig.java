package org.peft4j.nn.bert;

/**
 * Shape of a BERT-style encoder, field for field a Hugging Face {@code BertConfig}
 * ({@code vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
 * max_position_embeddings, type_vocab_size, layer_norm_eps, hidden_dropout_prob,
 * attention_probs_dropout_prob}): post-LayerNorm layers, GELU (erf) feed-forward
 * {@code hidden → intermediate → hidden}, {@code headDim = hidden / heads}.
 * all-MiniLM-L6-v2: vocab 30522, hidden 384, 6 layers, 12 heads, intermediate 1536, 512 positions.
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps,
                         float hiddenDropout, float attentionDropout) {
    /** Hugging Face's {@code layer_norm_eps} for BERT, used by every known BERT checkpoint. */
    public static final float DEFAULT_LAYER_NORM_EPS = 1e-12f;
    /** Hugging Face's {@code hidden_dropout_prob} and {@code attention_probs_dropout_prob} for BERT. */
    public static final float DEFAULT_DROPOUT = 0.1f;

    public BertConfig {
        requirePositive("vocabSize", vocabSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("intermediateSize", intermediateSize);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("BertConfig: hiddenSize " + hiddenSize + " is not a multiple of " + heads + " heads");
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("BertConfig: layerNormEps must be > 0, got " + layerNormEps);
        requireProbability("hiddenDropout", hiddenDropout);
        requireProbability("attentionDropout", attentionDropout);
    }

    /** A BERT of these sizes with BERT's LayerNorm epsilon (1e-12) and dropout (0.1). */
    public static BertConfig of(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                                int maxPositions, int typeVocabSize) {
        return new BertConfig(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                DEFAULT_LAYER_NORM_EPS, DEFAULT_DROPOUT, DEFAULT_DROPOUT);
    }

    /** all-MiniLM-L6-v2's configuration. */
    public static BertConfig miniLmL6() {
        return of(30522, 384, 6, 12, 1536, 512, 2);
    }

    public int headDim() { return hiddenSize / heads; }

    public BertConfig withDropout(float hidden, float attention) {
        return new BertConfig(vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize,
                layerNormEps, hidden, attention);
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException("BertConfig: " + field + " must be > 0, got " + value);
    }

    private static void requireProbability(String field, float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("BertConfig: " + field + " must lie in [0, 1), got " + p);
    }
}
