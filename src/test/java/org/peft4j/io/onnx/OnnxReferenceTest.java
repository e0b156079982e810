package org.peft4j.io.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peft4j.tensor.IntTensor;
import org.peft4j.text.EncodedBatch;
import org.peft4j.text.WordPieceTokenizer;

import java.io.IOException;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The onnxruntime reference itself: its inputs, the semantic sanity of its embeddings, padding invariance, pooling. */
class OnnxReferenceTest {
    private static final String CAT = "A cat is sleeping on the warm windowsill.";
    private static final String KITTEN = "A little kitten naps in the sunshine by the window.";
    private static final String STOCKS = "Stock markets fell sharply after the central bank raised interest rates.";
    private static OnnxReference reference;
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException, OrtException {
        reference = OnnxReference.miniLm();
        tokenizer = WordPieceTokenizer.miniLm();
    }

    @AfterAll
    static void close() throws OrtException {
        reference.close();
    }

    @Test
    void graphTakesInt64IdsMaskAndTypesAndReturnsLastHiddenState() throws OrtException {
        var inputs = reference.session().getInputInfo();
        assertEquals(OnnxReference.INPUTS.stream().sorted().toList(), inputs.keySet().stream().sorted().toList());
        for (var info : inputs.values()) assertEquals(ai.onnxruntime.OnnxJavaType.INT64, ((TensorInfo) info.getInfo()).type);
        assertEquals(List.of("last_hidden_state"), List.copyOf(reference.session().getOutputNames()));
        float[][][] tokens = reference.tokenEmbeddings(tokenizer.encodeBatch(List.of(CAT, STOCKS)));
        EncodedBatch batch = tokenizer.encodeBatch(List.of(CAT, STOCKS));
        assertEquals(2, tokens.length);
        assertEquals(batch.length(), tokens[0].length);
        assertEquals(384, tokens[0][0].length);
    }

    @Test
    void catIsCloserToKittenThanToStockMarkets() throws OrtException {
        float[][] e = reference.sentenceEmbeddings(tokenizer.encodeBatch(List.of(CAT, KITTEN, STOCKS)));
        for (float[] v : e) assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-5, "unit length");
        double related = OnnxReference.cosine(e[0], e[1]), unrelated = OnnxReference.cosine(e[0], e[2]);
        System.out.printf("cosine cat/kitten %.4f, cat/stocks %.4f%n", related, unrelated);
        assertTrue(related > 0.5, "cat/kitten " + related);
        assertTrue(unrelated < 0.2, "cat/stocks " + unrelated);
        assertTrue(related - unrelated > 0.4, related + " vs " + unrelated);
    }

    @Test
    void paddingDoesNotChangeSentenceEmbeddings() throws OrtException {
        float[][] alone = reference.sentenceEmbeddings(List.of(tokenizer.encode(KITTEN)));
        float[][] padded = reference.sentenceEmbeddings(tokenizer.encodeBatch(List.of(STOCKS + " " + STOCKS, KITTEN)));
        float[][] fixed = reference.sentenceEmbeddings(tokenizer.encodeBatch(List.of(KITTEN), 64));
        for (int h = 0; h < 384; h++) {
            assertEquals(alone[0][h], padded[1][h], 1e-5, "dim " + h);
            assertEquals(alone[0][h], fixed[0][h], 1e-5, "dim " + h);
        }
    }

    @Test
    void meanPoolingWeighsOnlyMaskedTokens() {
        Random rng = new Random(9);
        int batch = 3, seq = 7, hidden = 5;
        float[][][] tokens = new float[batch][seq][hidden];
        int[] lengths = {7, 1, 4};
        int[] mask = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                for (int h = 0; h < hidden; h++) tokens[b][s][h] = (float) rng.nextGaussian();
                mask[b * seq + s] = s < lengths[b] ? 1 : 0;
            }
        }
        float[][] pooled = OnnxReference.meanPooledUnit(tokens, new IntTensor(mask, new int[] {batch, seq}));
        for (int b = 0; b < batch; b++) {
            double[] mean = new double[hidden];
            for (int s = 0; s < lengths[b]; s++) for (int h = 0; h < hidden; h++) mean[h] += tokens[b][s][h] / (double) lengths[b];
            double norm = Math.sqrt(java.util.Arrays.stream(mean).map(x -> x * x).sum());
            for (int h = 0; h < hidden; h++) assertEquals(mean[h] / norm, pooled[b][h], 1e-6, "row " + b + " dim " + h);
        }
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d += (double) a[i] * b[i];
        return d;
    }
}
