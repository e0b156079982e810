package org.peft4j.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.peft4j.backend.DropoutMasks;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Inverted dropout with a counter-based mask: element i is kept iff
 * {@code u(seed, step, site, i) ≥ p}, u a SplitMix64-style hash mapped to [0, 1). The mask is a
 * pure function of its coordinates, so backward and replays regenerate it and any thread split
 * gives the same result. The hash runs on 64-bit lanes (as many floats per step as longs fit a
 * preferred vector), and {@code u ≥ p} is tested exactly as {@code (h >>> 11) ≥ ⌈p·2^53⌉}.
 */
final class Dropout {
    private Dropout() {}

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /** Floats as many as the longs of {@link #L}; null where vectors hold a single long (the scalar loop does all). */
    private static final VectorSpecies<Float> F = L.length() < 2 ? null
            : FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(L.vectorBitSize() / 2));

    static void apply(Parallel pool, Tensor x, float p, IntTensor seed, int site, Tensor y) {
        DropoutMasks.check(x, p, seed, y);
        Mask mask = Mask.of(seed, site, p);
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        pool.forRange(x.size(), x.size(), (from, to) -> mask.apply(xd, xo, yd, yo, from, to));
    }

    /** One site's mask at one step: element i is kept iff {@code (mix(key + i) >>> 11) ≥ threshold}, then scaled. */
    record Mask(long key, long threshold, float scale) {
        static Mask of(IntTensor seed, int site, float p) {
            long key = mix(((long) seed.data()[0] << 32) ^ (seed.data()[1] & 0xFFFFFFFFL) ^ ((long) site * 0x9E3779B97F4A7C15L));
            return new Mask(key, (long) Math.ceil(p * 0x1.0p53), 1f / (1f - p));
        }

        /** {@code y[yo + i] = keep(i) ? x[xo + i]·scale : 0} for element indices i in {@code [from, to)}. */
        void apply(float[] xd, int xo, float[] yd, int yo, int from, int to) {
            applyRange(key, threshold, scale, xd, xo, yd, yo, from, to);
        }

        /** Elements {@code [block·size, (block+1)·size)} of the tensor, held apart: from {@code x[xo..]} to {@code y[yo..]}. */
        void applyBlock(float[] xd, int xo, float[] yd, int yo, int block, int size) {
            int from = block * size;
            applyRange(key, threshold, scale, xd, xo - from, yd, yo - from, from, from + size);
        }
    }

    /** {@link Mask#apply}'s loop, a method of its own (see {@link JitDirectives#KEEP_OUT_OF_LINE}). */
    private static void applyRange(long key, long threshold, float scale, float[] xd, int xo, float[] yd, int yo, int from, int to) {
        LongVector lane = LongVector.zero(L).addIndex(1);
        int i = from;
        for (int bound = F == null ? from : from + L.loopBound(to - from); i < bound; i += L.length()) {
            VectorMask<Long> keep = mix(lane.add(key + i)).lanewise(VectorOperators.LSHR, 11).compare(VectorOperators.GE, threshold);
            FloatVector v = FloatVector.fromArray(F, xd, xo + i).mul(scale);
            FloatVector.zero(F).blend(v, keep.cast(F)).intoArray(yd, yo + i);
        }
        for (; i < to; i++) yd[yo + i] = (mix(key + i) >>> 11) >= threshold ? xd[xo + i] * scale : 0f;
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@link #mix(long)} on every lane. */
    private static LongVector mix(LongVector z) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    }
}
