package org.peft4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.io.onnx.OnnxReference;
import org.peft4j.tensor.Tensor;
import org.peft4j.text.EncodedBatch;

/**
 * The Java all-MiniLM-L6-v2 (JvmBackend, evaluation mode) against onnxruntime running the same
 * export, on 24 sentences in two padded batches. Padded query rows are compared too: both mask
 * padded keys (ONNX adds −3.4e38, peft4j drops them), so they agree everywhere.
 */
class MiniLmParityTest {
    /**
     * Token-level last_hidden_state, values O(1), float32 sums in another order: real tokens agree
     * to 6e-6 (measured), padded rows to 9e-5; the bounds leave room for a differently blocked GEMM.
     * Indexed by the mask value: {padded rows, real tokens}.
     */
    static final double[] TOKEN_TOLERANCE = {2e-4, 5e-5};
    /** Unit-length sentence embeddings. */
    static final double SENTENCE_TOLERANCE = 1e-4;

    static final String CAT = "A cat is sleeping on the warm windowsill.";
    static final String KITTEN = "A little kitten naps in the sunshine by the window.";
    static final String STOCKS = "Stock markets fell sharply after the central bank raised interest rates.";

    static final List<String> SHORT = List.of(
            CAT, KITTEN, STOCKS,
            "Hi!",
            "ok",
            "Why?!?",
            "The café served crème brûlée and a piña colada.",
            "Zoë and Łukasz met in Kraków — naïvely, at a façade.",
            "Don't split contractions, e.g. can't, won't, y'all.",
            "Prices rose 3.5% to $1,299.99 (up from $1,255.00) on 2024-03-01.",
            "email me at someone@example.com or visit https://example.org/path?q=1",
            "ALL CAPS SHOUTING IS STILL TEXT");
    static final List<String> LONG = List.of(
            "Dear friend, I am writing to inform you that you have been selected to receive a large sum of money "
                    + "from an overseas account; please reply with your bank details, full name, address and phone number "
                    + "so that the transfer can be completed within three working days, as the beneficiary has passed away "
                    + "and the funds will otherwise be confiscated by the government.",
            "The committee reviewed the proposal in detail, noting that the schedule was ambitious but achievable, "
                    + "the budget was within limits, and the risks had been identified and mitigated appropriately.",
            "東京は日本の首都です。",
            "Ceci n'est pas une pipe, c'est une représentation d'une pipe.",
            "unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
            "   leading and trailing   spaces   ",
            "Tabs\tand\nnewlines\r\nare whitespace too.",
            "[CLS] tokens [SEP] typed by hand [MASK] stay special.",
            "Emoji 😀 and symbols ©®™ are unknown or split.",
            "int main() { return x->y[0] + 42; } // code",
            "Buy now!!! Limited offer $$$ click here >>> www.cheap-pills.biz <<<",
            "The quick brown fox jumps over the lazy dog.");

    private static JvmBackend ops;
    private static OnnxReference reference;
    private static SentenceEncoder model;

    @BeforeAll
    static void load() throws IOException, OrtException {
        ops = new JvmBackend(2);
        reference = OnnxReference.miniLm();
        model = SentenceEncoder.of(PretrainedBert.miniLm());
    }

    @AfterAll
    static void close() throws OrtException {
        reference.close();
        ops.close();
    }

    static List<String> all() {
        List<String> all = new ArrayList<>(SHORT);
        all.addAll(LONG);
        return all;
    }

    @Test
    void tokenEmbeddingsMatchOnnxRuntimeIncludingPaddedRows() throws OrtException {
        double[] worst = new double[2];
        for (List<String> texts : List.of(SHORT, LONG)) {
            EncodedBatch batch = model.tokenizer().encodeBatch(texts);
            float[][][] expected = reference.tokenEmbeddings(batch);
            Tensor got = model.tokenEmbeddings(ops, batch);
            int seq = batch.length(), hidden = model.dimension();
            int padded = 0;
            for (int b = 0; b < texts.size(); b++) {
                for (int s = 0; s < seq; s++) {
                    int real = batch.attentionMask().data()[b * seq + s];
                    padded += 1 - real;
                    for (int h = 0; h < hidden; h++) {
                        float ours = got.at((b * seq + s) * hidden + h);
                        double diff = Math.abs(expected[b][s][h] - ours);
                        worst[real] = Math.max(worst[real], diff);
                        if (diff > TOKEN_TOLERANCE[real]) {
                            throw new AssertionError("text " + b + " token " + s + " dim " + h + ": onnx " + expected[b][s][h] + " vs " + ours);
                        }
                    }
                }
            }
            assertTrue(padded >= seq, "the batch must hold real padding, has " + padded + " padded positions");
        }
        System.out.printf("token embeddings: max |peft4j - onnxruntime| = %.3g on real tokens, %.3g on padded rows%n", worst[1], worst[0]);
    }

    @Test
    void sentenceEmbeddingsMatchOnnxRuntime() throws OrtException {
        List<String> texts = all();
        assertTrue(texts.size() >= 20);
        float[][] expected = new float[texts.size()][];
        int next = 0;
        for (List<String> part : List.of(SHORT, LONG)) {
            for (float[] e : reference.sentenceEmbeddings(model.tokenizer().encodeBatch(part))) expected[next++] = e;
        }
        float[][] got = model.embed(ops, texts, 5);
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            double norm = 0;
            for (int h = 0; h < got[i].length; h++) {
                worst = Math.max(worst, Math.abs(expected[i][h] - got[i][h]));
                norm += got[i][h] * (double) got[i][h];
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-6, "unit length of " + texts.get(i));
        }
        System.out.printf("sentence embeddings: max |peft4j - onnxruntime| = %.3g over %d sentences%n", worst, texts.size());
        assertTrue(worst < SENTENCE_TOLERANCE, "max difference " + worst);
    }

    @Test
    void catIsNearKittenAndFarFromStockMarkets() throws OrtException {
        float[][] e = model.embed(ops, List.of(CAT, KITTEN, STOCKS), 3);
        float[][] onnx = reference.sentenceEmbeddings(model.tokenizer().encodeBatch(List.of(CAT, KITTEN, STOCKS)));
        double related = SentenceEncoder.cosine(e[0], e[1]), unrelated = SentenceEncoder.cosine(e[0], e[2]);
        System.out.printf("cosine cat/kitten %.4f, cat/stocks %.4f%n", related, unrelated);
        assertEquals(OnnxReference.cosine(onnx[0], onnx[1]), related, 1e-5);
        assertEquals(OnnxReference.cosine(onnx[0], onnx[2]), unrelated, 1e-5);
        assertEquals(0.6, related, 0.1);
        assertEquals(0.0, unrelated, 0.1);
    }
}
