package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * Checks analytic gradients against central finite differences computed in float64:
 * <pre>
 *   numeric_i = (L(θ + hᵢeᵢ) − L(θ − hᵢeᵢ)) / (2hᵢ)
 * </pre>
 * where hᵢ is the step actually taken after rounding θᵢ ± h to float32, and L is accumulated in
 * double from the float32 kernels. An element passes when
 * {@code |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)}.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /** A tensor whose gradient is checked: its values and the buffer holding the analytic gradient. */
    public record Probe(String name, Tensor value, Tensor grad) {
        public static Probe of(Parameter p) {
            if (!p.trainable()) throw new IllegalArgumentException(p.name() + " is frozen: nothing to check");
            return new Probe(p.name(), p.value(), p.grad());
        }
    }

    /** Tolerances and sampling of one check. */
    public record Settings(double step, double rtol, double atol, int samplesPerProbe, long seed) {
        /** h = 1e-2, rtol = 2e-2, atol = 2e-4, 12 elements per tensor: loose enough for float32 forwards, tight enough that any real mistake (a missing term, a wrong transpose) fails. */
        public static Settings defaults() { return new Settings(1e-2, 2e-2, 2e-4, 12, 42); }
    }

    /** {@code Σ w ⊙ y} in double: a scalar loss whose gradient with respect to y is w. */
    public static double weightedSum(Tensor y, Tensor w) {
        double s = 0;
        for (int i = 0; i < y.size(); i++) s += (double) y.at(i) * w.at(i);
        return s;
    }

    /**
     * @param loss     evaluates the loss at the current values (forward only)
     * @param gradient zeroes and recomputes every probe's analytic gradient (forward + backward)
     */
    public static void check(DoubleSupplier loss, Runnable gradient, List<Probe> probes, Settings s) {
        gradient.run();
        List<float[]> analytic = new ArrayList<>();
        for (Probe p : probes) analytic.add(p.grad().toArray());
        SplittableRandom rng = new SplittableRandom(s.seed());
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (int pi = 0; pi < probes.size(); pi++) {
            Probe p = probes.get(pi);
            for (int i : sampleIndices(p.value().size(), s.samplesPerProbe(), rng)) {
                double a = analytic.get(pi)[i];
                double num = numeric(loss, p.value(), i, s.step());
                checked++;
                if (Math.abs(a - num) > s.atol() + s.rtol() * Math.max(Math.abs(a), Math.abs(num))) {
                    failures.add(String.format("%s[%d]: analytic %.6g vs numeric %.6g", p.name(), i, a, num));
                }
            }
        }
        if (checked == 0) fail("gradient check compared nothing");
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " gradient elements disagree:\n  " + String.join("\n  ", failures));
        }
    }

    /** Up to {@code count} distinct indices of {@code [0, n)}: all of them when n is small. */
    private static int[] sampleIndices(int n, int count, SplittableRandom rng) {
        if (n <= count) return java.util.stream.IntStream.range(0, n).toArray();
        return rng.ints(0, n).distinct().limit(count).toArray();
    }

    private static double numeric(DoubleSupplier loss, Tensor t, int i, double h) {
        float original = t.at(i);
        float plus = (float) (original + h), minus = (float) (original - h);
        t.put(i, plus);
        double lossPlus = loss.getAsDouble();
        t.put(i, minus);
        double lossMinus = loss.getAsDouble();
        t.put(i, original);
        return (lossPlus - lossMinus) / ((double) plus - (double) minus);
    }
}
