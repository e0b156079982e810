package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.peft4j.tensor.Tensor;

/**
 * With γ = 1 and β = 0, LayerNorm rows have mean 0 and variance σ²/(σ² + ε) ≈ 1, and RMSNorm
 * rows have mean square m/(m + ε) ≈ 1 (σ², m of the input row), for any shape, offset and spread.
 */
class NormPropertiesTest {
    private static final float EPS = 1e-6f;

    @Property(tries = 60)
    void layerNormRowsAreStandardised(@ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 8, max = 300) int cols,
                                      @ForAll @FloatRange(min = 0.5f, max = 100f) float spread,
                                      @ForAll @FloatRange(min = -50f, max = 50f) float offset, @ForAll long seed) {
        Tensor x = shifted(Tensor.uniform(seed, spread, rows, cols), offset);
        Tensor y = Tensor.zeros(rows, cols);
        TestBackends.threads(2).layerNorm(x, Tensor.zeros(cols).fill(1f), Tensor.zeros(cols), EPS, y, Tensor.zeros(rows), Tensor.zeros(rows));
        for (int r = 0; r < rows; r++) {
            double inputVar = variance(x, r);
            assertEquals(0, mean(y, r), 1e-5, "row " + r + " mean");
            assertEquals(inputVar / (inputVar + EPS), variance(y, r), 1e-4, "row " + r + " variance");
        }
    }

    @Property(tries = 60)
    void rmsNormRowsHaveUnitMeanSquare(@ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 1, max = 300) int cols,
                                       @ForAll @FloatRange(min = 0.5f, max = 100f) float spread, @ForAll long seed) {
        Tensor x = Tensor.uniform(seed, spread, rows, cols), y = Tensor.zeros(rows, cols);
        TestBackends.threads(2).rmsNorm(x, Tensor.zeros(cols).fill(1f), EPS, y, Tensor.zeros(rows));
        for (int r = 0; r < rows; r++) {
            double inputMeanSquare = meanSquare(x, r);
            assertEquals(inputMeanSquare / (inputMeanSquare + EPS), meanSquare(y, r), 1e-4, "row " + r + " mean square");
        }
    }

    private static double mean(Tensor t, int r) {
        double s = 0;
        for (int j = 0; j < t.cols(); j++) s += t.get(r, j);
        return s / t.cols();
    }

    private static double variance(Tensor t, int r) {
        double mu = mean(t, r), s = 0;
        for (int j = 0; j < t.cols(); j++) s += (t.get(r, j) - mu) * (t.get(r, j) - mu);
        return s / t.cols();
    }

    private static double meanSquare(Tensor t, int r) {
        double s = 0;
        for (int j = 0; j < t.cols(); j++) s += (double) t.get(r, j) * t.get(r, j);
        return s / t.cols();
    }

    private static Tensor shifted(Tensor t, float offset) {
        for (int i = 0; i < t.size(); i++) t.put(i, t.at(i) + offset);
        return t;
    }
}
