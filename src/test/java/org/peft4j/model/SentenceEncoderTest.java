package org.peft4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.text.WordPieceTokenizer;

/** Batching, ordering and pooling of {@link SentenceEncoder} on a small random encoder. */
class SentenceEncoderTest {
    private static final BertConfig TINY = new BertConfig(30522, 12, 2, 3, 20, 40, 2, 1e-12f, 0.1f, 0.1f);
    private static JvmBackend ops;
    private static SentenceEncoder encoder;

    @BeforeAll
    static void build() throws IOException {
        ops = new JvmBackend(2);
        encoder = new SentenceEncoder(BertEncoder.random(TINY, 3, false), WordPieceTokenizer.miniLm().withMaxLength(33));
    }

    @AfterAll
    static void close() { ops.close(); }

    private static List<int[]> sequences(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(rng.ints(1 + rng.nextInt(33), 0, 30522).toArray());
        return out;
    }

    /** One sequence alone, unpadded: encoder then the plain mean of its token states. */
    private static float[] alone(int[] ids) {
        int h = TINY.hiddenSize(), s = ids.length;
        int[] ones = new int[s];
        java.util.Arrays.fill(ones, 1);
        Tensor hidden = encoder.encoder().forward(ops, new TokenBatch(new IntTensor(ids, new int[] {1, s}),
                new IntTensor(ones, new int[] {1, s}), null, null), false);
        float[] mean = new float[h];
        for (int t = 0; t < s; t++) for (int j = 0; j < h; j++) mean[j] += hidden.at(t * h + j) / (float) s;
        return mean;
    }

    @Test
    void meanPooledRowsFollowInputOrderWhateverTheBatchSize() {
        List<int[]> ids = sequences(17, 5);
        List<Integer> progress = new ArrayList<>();
        Tensor one = encoder.meanPooled(ops, ids, 1, d -> {});
        Tensor seven = encoder.meanPooled(ops, ids, 7, progress::add);
        assertEquals(List.of(7, 14, 17), progress);
        assertArrayEquals(one.toArray(), seven.toArray(), 0f, "padding must not change any row");
        for (int i : new int[] {0, 6, 16}) assertArrayEquals(alone(ids.get(i)), seven.rows(i, i + 1).toArray(), 1e-5f, "row " + i);
    }

    @Test
    void embedTokenisesAndNormalises() {
        List<String> texts = List.of("short", "a somewhat longer sentence, with punctuation!", "Zoë");
        float[][] e = encoder.embed(ops, texts, 2);
        for (int i = 0; i < texts.size(); i++) {
            float[] pooled = alone(encoder.tokenizer().encode(texts.get(i)).ids());
            double norm = 0;
            for (float v : pooled) norm += v * (double) v;
            for (int j = 0; j < pooled.length; j++) assertEquals(pooled[j] / Math.sqrt(norm), e[i][j], 1e-5, texts.get(i) + " dim " + j);
        }
        assertEquals(1.0, SentenceEncoder.cosine(e[1], e[1]), 1e-6);
    }

    @Test
    void normalizedAndCosineAgreeWithTheirFormulas() {
        float[] v = {3, -4, 0};
        assertArrayEquals(new float[] {0.6f, -0.8f, 0f}, SentenceEncoder.normalized(v), 1e-7f);
        assertArrayEquals(new float[] {0, 0}, SentenceEncoder.normalized(new float[] {0, 0}), 0f);
        assertEquals(-1.0, SentenceEncoder.cosine(v, new float[] {-6, 8, 0}), 1e-12);
        assertEquals(0.0, SentenceEncoder.cosine(new float[] {1, 0}, new float[] {0, 2}), 1e-12);
    }

    @Test
    void rejectsTokenizersLongerThanThePositionsAndBadBatchSizes() throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> encoder.withMaxLength(41));
        assertEquals("tokenizer max length 41 exceeds the model's 40 positions", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> encoder.meanPooled(ops, sequences(2, 1), 0, d -> {}));
        var tooLong = assertThrows(IllegalArgumentException.class,
                () -> encoder.meanPooled(ops, List.of(new int[] {1}, new int[41]), 2, d -> {}));
        assertEquals("sequence 1 has 41 tokens, more than the model's 40 positions", tooLong.getMessage());
    }
}
