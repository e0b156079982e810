package org.peft4j.nn.lowrank;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.Seeds;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * SLTrain (Han et al. 2024): {@code W = (α/r)·B·A + S}, where S has a support of
 * {@code ⌊δ·out·in⌋} entries drawn uniformly at random once, at initialisation, and kept fixed;
 * only its values are trained. Initialised as the authors' code does: A Kaiming-uniform
 * (a = √5, i.e. U(±1/√in)), B = 0, the values of S U(±1/√in), the support sorted.
 */
public final class SlTrain {
    private SlTrain() {}

    public static SparsePlusLowRankWeight create(String layer, int in, int out, int rank, double alpha, double density,
                                                 long seed, WeightScratch scratch) {
        return create(layer, LowRankFactors.zeroB(layer, in, out, rank, alpha, seed), density, seed, scratch);
    }

    /** With the given low-rank factors (e.g. a random B instead of the authors' zero B). */
    static SparsePlusLowRankWeight create(String layer, LowRankFactors factors, double density, long seed, WeightScratch scratch) {
        int in = factors.in(), out = factors.out();
        if (!(density > 0 && density < 1)) {
            throw new IllegalArgumentException(layer + ": SLTrain density must lie in (0, 1), got " + density);
        }
        int nonZeros = (int) (density * out * in);
        if (nonZeros < 1) {
            throw new IllegalArgumentException(layer + ": density " + density + " leaves no sparse entry in a " + out + "×" + in + " weight");
        }
        IntTensor support = randomSupport(out * in, nonZeros, new SplittableRandom(Seeds.of(seed, layer + ".sparse_index")));
        Parameter values = Parameter.trainable(layer + ".sparse_values",
                Tensor.uniform(Seeds.of(seed, layer + ".sparse_values"), (float) (1 / Math.sqrt(in)), nonZeros));
        return new SparsePlusLowRankWeight(layer, factors, values, support, 1f, scratch);
    }

    /** {@code count} distinct indices of {@code [0, n)}, uniformly (a partial Fisher–Yates shuffle), sorted. */
    static IntTensor randomSupport(int n, int count, SplittableRandom rng) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        for (int i = 0; i < count; i++) {
            int j = i + rng.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, count);
        Arrays.sort(chosen);
        return new IntTensor(chosen, new int[] {count});
    }
}
