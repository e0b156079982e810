package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;

/**
 * The vectorised dropout against its definition, written out here one element at a time:
 * {@code keep_i = u ≥ p}, {@code u = (mix(key + i) >>> 11)·2^-53},
 * {@code key = mix(seed << 32 ^ step ^ site·φ)} (SplitMix64's finaliser as mix), kept values scaled
 * by 1/(1−p). Bit for bit, at every size (vector tails), on one and two threads, for p from 0 to
 * near 1; backward applies the same mask.
 */
class DropoutTest {

    static Stream<Arguments> cases() {
        return TestBackends.threadsAndSizes(TestBackends.SIZES).flatMap(a -> Stream.of(0f, 0.1f, 0.5f, 0.97f)
                .map(p -> Arguments.of(a.get()[0], a.get()[1], p)));
    }

    @ParameterizedTest(name = "threads={0} n={1} p={2}")
    @MethodSource("cases")
    void masksMatchTheDefinition(int threads, int n, float p) {
        IntTensor seed = new IntTensor(new int[] {-123456789, 42}, new int[] {2});
        int site = 7;
        Tensor x = GuardedViews.offsetCopy(Tensor.uniform(n + 3L, 2f, n)), y = GuardedViews.offsetCopy(Tensor.zeros(n));
        TestBackends.threads(threads).dropout(x, p, seed, site, y);
        float[] expected = reference(x.toArray(), p, seed.data()[0], seed.data()[1], site);
        assertArrayEquals(expected, y.toArray(), "dropout");
        Tensor dx = Tensor.zeros(n);
        TestBackends.threads(threads).dropoutBackward(x, p, seed, site, dx);
        assertArrayEquals(expected, dx.toArray(), "dropoutBackward, same mask");
        GuardedViews.assertGuardsIntact(y, "dropout output");
        if (n >= 10_000) {
            long dropped = 0;
            for (float v : expected) if (v == 0f) dropped++;
            assertEquals(p, dropped / (double) n, 4 * Math.sqrt(p * (1 - p) / n) + 1e-9, "fraction dropped");
        }
    }

    private static float[] reference(float[] x, float p, int seed, int step, int site) {
        long key = mix(((long) seed << 32) ^ (step & 0xFFFFFFFFL) ^ ((long) site * 0x9E3779B97F4A7C15L));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double u = (mix(key + i) >>> 11) * 0x1.0p-53;
            y[i] = u >= p ? x[i] * (1f / (1f - p)) : 0f;
        }
        return y;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
