package org.peft4j.experiment;

/**
 * The cross-entropy of a unigram model fitted on training tokens (add-one smoothing) and
 * measured on held-out tokens: {@code −(1/N) Σ log p(tₙ)}, {@code p(v) = (count(v) + 1)/(T + V)}.
 * A language model that learned anything beyond token frequencies must beat it.
 */
public final class UnigramBaseline {
    private UnigramBaseline() {}

    public static double crossEntropy(int[] train, int[] heldOut, int vocabularySize) {
        long[] counts = new long[vocabularySize];
        for (int t : train) counts[t]++;
        double denominator = train.length + (double) vocabularySize;
        double sum = 0;
        for (int t : heldOut) sum -= Math.log((counts[t] + 1) / denominator);
        return sum / heldOut.length;
    }
}
