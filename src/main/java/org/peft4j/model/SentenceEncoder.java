package org.peft4j.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.Tensor;
import org.peft4j.text.EncodedBatch;
import org.peft4j.text.Encoding;
import org.peft4j.text.WordPieceTokenizer;

/**
 * Sentence embeddings as sentence-transformers computes them, with the encoder in evaluation
 * mode (no dropout):
 * <pre>
 *   h = encoder(ids)            p = Σ_s m_s·h_s / Σ_s m_s  (mean over real tokens)      e = p / ‖p‖₂
 * </pre>
 * Sequences are run in batches of similar length (sorted longest first, as sentence-transformers
 * does) and returned in input order; padding never changes a row's result, since padded keys
 * are masked out of attention and out of the mean. Not thread-safe: the encoder keeps buffers.
 */
public final class SentenceEncoder {
    private final BertEncoder encoder;
    private final WordPieceTokenizer tokenizer;
    private final Buffers buffers = new Buffers("sentence");

    public SentenceEncoder(BertEncoder encoder, WordPieceTokenizer tokenizer) {
        if (tokenizer.maxLength() > encoder.config().maxPositions()) {
            throw new IllegalArgumentException("tokenizer max length " + tokenizer.maxLength() + " exceeds the model's "
                    + encoder.config().maxPositions() + " positions");
        }
        this.encoder = encoder;
        this.tokenizer = tokenizer;
    }

    /** A frozen encoder of {@code model} with its tokenizer, truncating to at most the model's positions. */
    public static SentenceEncoder of(PretrainedBert model) {
        WordPieceTokenizer tokenizer = model.tokenizer();
        int positions = model.checkpoint().config().maxPositions();
        return new SentenceEncoder(model.encoder(0, false),
                tokenizer.maxLength() > positions ? tokenizer.withMaxLength(positions) : tokenizer);
    }

    public BertEncoder encoder() { return encoder; }
    public WordPieceTokenizer tokenizer() { return tokenizer; }
    public int dimension() { return encoder.config().hiddenSize(); }

    /** The same encoder truncating texts to {@code maxLength} tokens, special tokens included. */
    public SentenceEncoder withMaxLength(int maxLength) {
        return new SentenceEncoder(encoder, tokenizer.withMaxLength(maxLength));
    }

    /** Unit-length embeddings {@code [texts.size()][dimension()]}, in input order. */
    public float[][] embed(Ops ops, List<String> texts, int batchSize) {
        List<int[]> ids = texts.stream().map(t -> tokenizer.encode(t).ids()).toList();
        Tensor pooled = meanPooled(ops, ids, batchSize, done -> {});
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) out[i] = normalized(pooled.rows(i, i + 1).toArray());
        return out;
    }

    /**
     * Mean-pooled, not normalised, features {@code [ids.size(), dimension()]} of token id
     * sequences ({@code [CLS] … [SEP]}); {@code progress} hears how many sequences are done after each batch.
     */
    public Tensor meanPooled(Ops ops, List<int[]> ids, int batchSize, IntConsumer progress) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        int d = dimension();
        Tensor out = Tensor.zeros(ids.size(), d);
        int[] order = IntStream.range(0, ids.size()).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -ids.get(i).length)).mapToInt(Integer::intValue).toArray();
        for (int from = 0; from < order.length; from += batchSize) {
            int[] chunk = Arrays.copyOfRange(order, from, Math.min(from + batchSize, order.length));
            TokenBatch batch = padded(chunk, ids);
            Tensor hidden = encoder.forward(ops, batch, false);
            Tensor pooled = buffers.get("pooled", chunk.length, d);
            ops.meanPool(hidden.reshape(chunk.length, batch.sequenceLength(), d), batch.mask(), pooled);
            for (int r = 0; r < chunk.length; r++) out.rows(chunk[r], chunk[r] + 1).copyFrom(pooled.rows(r, r + 1));
            progress.accept(from + chunk.length);
        }
        return out;
    }

    /** The encoder's last hidden state {@code [B·S, dimension()]} for an already padded batch. */
    public Tensor tokenEmbeddings(Ops ops, EncodedBatch batch) {
        return encoder.forward(ops, tokenBatch(batch), false);
    }

    /** The model input of an encoded batch: ids, attention mask and token type ids, no targets. */
    public static TokenBatch tokenBatch(EncodedBatch batch) {
        return new TokenBatch(batch.ids(), batch.attentionMask(), batch.typeIds(), null);
    }

    /** {@code v / max(‖v‖₂, 1e-12)}, summed in double. */
    public static float[] normalized(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        double norm = Math.max(Math.sqrt(sum), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / norm);
        return out;
    }

    /** {@code a·b / (‖a‖‖b‖)}. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private TokenBatch padded(int[] rows, List<int[]> ids) {
        int longest = Arrays.stream(rows).map(r -> ids.get(r).length).max().orElse(1);
        List<Encoding> encodings = Arrays.stream(rows).mapToObj(r -> {
            int[] seq = ids.get(r);
            if (seq.length > encoder.config().maxPositions()) {
                throw new IllegalArgumentException("sequence " + r + " has " + seq.length + " tokens, more than the model's "
                        + encoder.config().maxPositions() + " positions");
            }
            int[] ones = new int[seq.length];
            Arrays.fill(ones, 1);
            return new Encoding(seq, ones, new int[seq.length]);
        }).toList();
        return tokenBatch(EncodedBatch.of(encodings, longest, tokenizer.padId(), 0));
    }
}
