package org.peft4j.backend.jvm;

import org.peft4j.backend.DropoutMasks;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Inverted dropout with a counter-based mask: element i is kept iff
 * {@code u(seed, step, site, i) ≥ p}, u a SplitMix64-style hash mapped to [0, 1). The mask is a
 * pure function of its coordinates, so backward and replays regenerate it and any thread split
 * gives the same result.
 */
final class Dropout {
    private Dropout() {}

    static void apply(Parallel pool, Tensor x, float p, IntTensor seed, int site, Tensor y) {
        DropoutMasks.check(x, p, seed, y);
        long key = mix(((long) seed.data()[0] << 32) ^ (seed.data()[1] & 0xFFFFFFFFL) ^ ((long) site * 0x9E3779B97F4A7C15L));
        float scale = 1f / (1f - p);
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        pool.forRange(x.size(), (long) x.size() * 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                double u = (mix(key + i) >>> 11) * 0x1.0p-53;
                yd[yo + i] = u >= p ? xd[xo + i] * scale : 0f;
            }
        });
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
