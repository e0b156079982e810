package org.peft4j.train;

import java.util.SplittableRandom;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.IntTensor;

/**
 * Random windows of a token stream for next-token prediction: each row is {@code tokens[o, o+S)}
 * with targets {@code tokens[o+1, o+S+1)}, offsets drawn from {@code (seed, step)}.
 */
public final class LanguageModelBatches implements BatchSource {
    private final int[] tokens;
    private final int batchSize, sequenceLength;
    private final long seed;

    public LanguageModelBatches(int[] tokens, int batchSize, int sequenceLength, long seed) {
        if (tokens.length < sequenceLength + 2) {
            throw new IllegalArgumentException("a token stream of " + tokens.length + " is too short for windows of " + sequenceLength);
        }
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.sequenceLength = sequenceLength;
        this.seed = seed;
    }

    @Override
    public long batchesPerEpoch() {
        return Math.max(1, tokens.length / ((long) batchSize * sequenceLength));
    }

    @Override
    public TokenBatch batch(long step) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        int[] offsets = new int[batchSize];
        for (int r = 0; r < batchSize; r++) offsets[r] = rng.nextInt(tokens.length - sequenceLength - 1);
        return windows(tokens, offsets, sequenceLength);
    }

    /** Consecutive, non-overlapping windows covering {@code tokens} (for evaluation), at most {@code maxBatches}. */
    public static java.util.List<TokenBatch> sequential(int[] tokens, int batchSize, int sequenceLength, int maxBatches) {
        java.util.List<TokenBatch> out = new java.util.ArrayList<>();
        int windows = (tokens.length - 1) / sequenceLength;
        for (int w = 0; w + batchSize <= windows && out.size() < maxBatches; w += batchSize) {
            int[] offsets = new int[batchSize];
            for (int r = 0; r < batchSize; r++) offsets[r] = (w + r) * sequenceLength;
            out.add(windows(tokens, offsets, sequenceLength));
        }
        return out;
    }

    private static TokenBatch windows(int[] tokens, int[] offsets, int s) {
        int b = offsets.length;
        int[] ids = new int[b * s], targets = new int[b * s];
        for (int r = 0; r < b; r++) {
            System.arraycopy(tokens, offsets[r], ids, r * s, s);
            System.arraycopy(tokens, offsets[r] + 1, targets, r * s, s);
        }
        int[] shape = {b, s};
        return new TokenBatch(new IntTensor(ids, shape), null, null, new IntTensor(targets, shape));
    }
}
