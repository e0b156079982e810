package org.peft4j.nn.lowrank;

import org.peft4j.nn.Parameter;
import org.peft4j.nn.Seeds;
import org.peft4j.tensor.Tensor;

/**
 * The trained factors of {@code L = scale·B·A}, {@code B [out, r]}, {@code A [r, in]}, named
 * {@code <layer>.low_rank_B} and {@code <layer>.low_rank_A}.
 */
record LowRankFactors(Parameter b, Parameter a, float scale) {
    LowRankFactors {
        if (b.value().rank() != 2 || a.value().rank() != 2 || b.value().cols() != a.value().rows()) {
            throw new IllegalArgumentException("low-rank factors must be B [out, r] and A [r, in], got " + b.value() + " and " + a.value());
        }
    }

    /**
     * As SLTrain (and LoRA) initialise them: A Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in),
     * and B = 0, so that L starts at zero; {@code scale = alpha / rank}.
     */
    static LowRankFactors zeroB(String layer, int in, int out, int rank, double alpha, long seed) {
        return create(layer, in, out, rank, alpha, seed, false);
    }

    /**
     * As two stacked {@code torch.nn.Linear} layers (in → r → out) are initialised, the usual
     * low-rank pretraining baseline: A ~ U(±1/√in) and B ~ U(±1/√r); {@code scale = alpha / rank}.
     */
    static LowRankFactors bothKaiming(String layer, int in, int out, int rank, double alpha, long seed) {
        return create(layer, in, out, rank, alpha, seed, true);
    }

    /** A ~ U(±1/√in); B ~ U(±1/√r) when {@code initB}, else 0; {@code scale = alpha / rank}. */
    static LowRankFactors create(String layer, int in, int out, int rank, double alpha, long seed, boolean initB) {
        requireRank(layer, rank, in, out);
        Tensor b = initB ? Tensor.uniform(Seeds.of(seed, layer + ".low_rank_B"), (float) (1 / Math.sqrt(rank)), out, rank)
                : Tensor.zeros(out, rank);
        return new LowRankFactors(Parameter.trainable(layer + ".low_rank_B", b),
                Parameter.trainable(layer + ".low_rank_A", Tensor.uniform(Seeds.of(seed, layer + ".low_rank_A"),
                        (float) (1 / Math.sqrt(in)), rank, in)),
                (float) (alpha / rank));
    }

    static void requireRank(String layer, int rank, int in, int out) {
        if (rank < 1 || rank > Math.min(in, out)) {
            throw new IllegalArgumentException(layer + ": rank " + rank + " outside [1, " + Math.min(in, out) + "] for a "
                    + out + "×" + in + " weight");
        }
    }

    int rank() { return a.value().rows(); }
    int in() { return a.value().cols(); }
    int out() { return b.value().rows(); }

    /** {@code scale·B·A} in double, row-major [out, in]. */
    double[] product() {
        int out = out(), in = in(), r = rank();
        double[] w = new double[out * in];
        Tensor bv = b.value(), av = a.value();
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < r; k++) {
                double bik = scale * (double) bv.at(i * r + k);
                for (int j = 0; j < in; j++) w[i * in + j] += bik * av.at(k * in + j);
            }
        }
        return w;
    }
}
