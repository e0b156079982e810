package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.peft4j.tensor.Tensor;

/** Softmax rows are probability distributions, for any shape and spread of logits. */
class SoftmaxPropertiesTest {

    @Property(tries = 60)
    void rowsAreDistributions(@ForAll @IntRange(min = 1, max = 20) int rows, @ForAll @IntRange(min = 1, max = 300) int cols,
                              @ForAll @FloatRange(min = 0.01f, max = 40f) float spread, @ForAll long seed) {
        Tensor x = Tensor.uniform(seed, spread, rows, cols);
        TestBackends.threads(2).softmax(x, x);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                float v = x.get(r, j);
                assertTrue(v >= 0 && v <= 1, "softmax value " + v + " outside [0, 1]");
                sum += v;
            }
            assertEquals(1, sum, 1e-5, "row " + r + " sums to " + sum);
        }
    }
}
