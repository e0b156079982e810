package org.peft4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.IntTensor;

/**
 * Batches of tokenised examples with labels. Each epoch visits every example once in an order
 * drawn from {@code (seed, epoch)}; sequences are padded to the longest in the batch rounded up
 * to {@code padMultiple} (few distinct shapes, so few recorded plans), with [PAD] = {@code padId}.
 */
public final class ClassificationBatches implements BatchSource {
    /** One tokenised example: ids (with special tokens) and its class. */
    public record Example(int[] ids, int label) {}

    private final List<Example> examples;
    private final int batchSize, padMultiple, padId;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] order;

    public ClassificationBatches(List<Example> examples, int batchSize, int padMultiple, int padId, long seed) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no training examples");
        if (batchSize < 1 || padMultiple < 1) throw new IllegalArgumentException("batch size and pad multiple must be ≥ 1");
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.padMultiple = padMultiple;
        this.padId = padId;
        this.seed = seed;
    }

    @Override
    public long batchesPerEpoch() {
        return (examples.size() + batchSize - 1) / batchSize;
    }

    @Override
    public synchronized TokenBatch batch(long step) {
        long epoch = step / batchesPerEpoch();
        int first = (int) (step % batchesPerEpoch()) * batchSize;
        int[] perm = orderOf(epoch);
        List<Example> chosen = new ArrayList<>();
        for (int i = first; i < Math.min(first + batchSize, perm.length); i++) chosen.add(examples.get(perm[i]));
        return pack(chosen, padMultiple, padId);
    }

    /** Evaluation batches in data order (no shuffling). */
    public static List<TokenBatch> inOrder(List<Example> examples, int batchSize, int padMultiple, int padId) {
        List<TokenBatch> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += batchSize) {
            out.add(pack(examples.subList(i, Math.min(i + batchSize, examples.size())), padMultiple, padId));
        }
        return out;
    }

    /** Pads {@code chosen} into one batch: ids, mask (1 on real tokens) and labels. */
    public static TokenBatch pack(List<Example> chosen, int padMultiple, int padId) {
        int longest = chosen.stream().mapToInt(e -> e.ids().length).max().orElse(1);
        int seq = (longest + padMultiple - 1) / padMultiple * padMultiple;
        int b = chosen.size();
        int[] ids = new int[b * seq], mask = new int[b * seq], labels = new int[b];
        for (int r = 0; r < b; r++) {
            int[] src = chosen.get(r).ids();
            java.util.Arrays.fill(ids, r * seq, (r + 1) * seq, padId);
            System.arraycopy(src, 0, ids, r * seq, src.length);
            java.util.Arrays.fill(mask, r * seq, r * seq + src.length, 1);
            labels[r] = chosen.get(r).label();
        }
        int[] shape = {b, seq};
        return new TokenBatch(new IntTensor(ids, shape), new IntTensor(mask, shape), null, new IntTensor(labels, new int[] {b}));
    }

    private int[] orderOf(long epoch) {
        if (epoch != cachedEpoch) {
            order = new int[examples.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedEpoch = epoch;
        }
        return order;
    }
}
