package org.peft4j.optim;

import java.util.List;
import java.util.Optional;

/** Sums of squares of named gradients: the global norm {@code √Σ_p Σ g_p²} and the first that is not finite. */
public record GradientSums(List<String> names, double[] sums) {
    public GradientSums {
        names = List.copyOf(names);
        if (names.size() != sums.length) throw new IllegalArgumentException(names.size() + " names for " + sums.length + " sums");
    }

    public double norm() {
        double total = 0;
        for (double s : sums) total += s;
        return Math.sqrt(total);
    }

    /**
     * The first name whose sum is NaN or infinite (a NaN or infinity in that gradient, or |g|
     * beyond ~1.8e19 overflowing float32); empty when all are finite.
     */
    public Optional<String> firstNonFinite() {
        for (int i = 0; i < sums.length; i++) if (!Double.isFinite(sums[i])) return Optional.of(names.get(i));
        return Optional.empty();
    }
}
