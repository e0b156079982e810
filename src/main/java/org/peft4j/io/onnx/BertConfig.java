package org.peft4j.io.onnx;

/**
 * Hyper-parameters of a BERT encoder, as in a Hugging Face {@code BertConfig}:
 * {@code headDim = hidden / heads}; post-LayerNorm blocks with GELU (erf) feed-forward
 * {@code hidden → intermediate → hidden}.
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int typeVocabSize, double layerNormEps) {
    /** Hugging Face's default {@code layer_norm_eps} for BERT, used by every known BERT export. */
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-12;

    public BertConfig {
        requirePositive("vocabSize", vocabSize);
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("intermediate", intermediate);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("BertConfig: hidden " + hidden + " is not a multiple of heads " + heads);
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("BertConfig: layerNormEps must be > 0, got " + layerNormEps);
    }

    public int headDim() { return hidden / heads; }

    private static void requirePositive(String what, int value) {
        if (value <= 0) throw new IllegalArgumentException("BertConfig: " + what + " must be > 0, got " + value);
    }
}
