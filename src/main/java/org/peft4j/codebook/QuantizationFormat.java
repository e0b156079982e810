package org.peft4j.codebook;

import java.util.Arrays;
import java.util.Locale;
import org.peft4j.tensor.Tensor;

/**
 * How a frozen base weight W [out, in] is quantized: a codebook of {@code 2^bits} levels and one
 * fp32 absmax per block of consecutive elements, {@code Ŵ = levels[code]·absmax[block]}.
 * <pre>
 *   INT8  symmetric per output row (LLM.int8 style): absmax = max_j |W[i, j]|, code = round(127·W/absmax),
 *         level = code/127;  |W − Ŵ| ≤ absmax/254 (half a step)
 *   NF4   QLoRA's 4-bit NormalFloat, blocks of 64 over the flattened weight: code = nearest of the 16
 *         normal-quantile levels to W/absmax;  |W − Ŵ| ≤ ½·(largest level gap)·absmax = 0.1519·absmax
 * </pre>
 * No double quantization of the NF4 scales (it would save 0.37 bits per weight more).
 */
public enum QuantizationFormat {
    INT8(8, 0),
    NF4(4, 64);

    private final int bits;
    private final int fixedBlockSize;
    private final Tensor levels;

    QuantizationFormat(int bits, int fixedBlockSize) {
        this.bits = bits;
        this.fixedBlockSize = fixedBlockSize;
        this.levels = Tensor.of(bits == 8 ? int8Levels() : Levels.NF4.clone(), 1 << bits).named(name().toLowerCase(Locale.ROOT) + ".levels");
    }

    /** {@code int8} or {@code nf4} (any case). */
    public static QuantizationFormat parse(String name) {
        for (QuantizationFormat f : values()) if (f.name().equalsIgnoreCase(name)) return f;
        throw new IllegalArgumentException("unknown quantization format '" + name + "'; known: int8, nf4");
    }

    public int bits() { return bits; }

    /** The codebook, indexed by code (shared; never modify it). */
    public Tensor levels() { return levels; }

    /** Elements per absmax scale for a weight with {@code in} columns: a whole row (int8) or 64 (nf4). */
    public int blockSize(int in) { return fixedBlockSize == 0 ? in : fixedBlockSize; }

    /** The code of a value already divided by its block's absmax ({@code v ∈ [−1, 1]}). */
    int code(float v) {
        return switch (this) {
            case INT8 -> Math.round(v * 127f) & 0xFF;
            case NF4 -> {
                int i = Arrays.binarySearch(Levels.NF4_MIDPOINTS, v);
                yield i >= 0 ? i : -i - 1;
            }
        };
    }

    /** The largest |W − Ŵ| the format allows in a block of absmax 1 (half the widest gap between levels). */
    public float halfStep() {
        return switch (this) {
            case INT8 -> 0.5f / 127f;
            case NF4 -> {
                float widest = 0f;
                for (int i = 1; i < Levels.NF4.length; i++) widest = Math.max(widest, Levels.NF4[i] - Levels.NF4[i - 1]);
                yield widest / 2f;
            }
        };
    }

    /** The codebooks (a nested class: enum constructors cannot read the enum's own static fields). */
    static final class Levels {
        private Levels() {}

        /** The 16 NF4 levels of bitsandbytes ({@code create_normal_map}), ascending. */
        static final float[] NF4 = {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
            -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
            0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
        };
        static final float[] NF4_MIDPOINTS = midpoints(NF4);
    }

    /** {@code (byte) b / 127} at index b: signed int8 codes read back as levels. */
    private static float[] int8Levels() {
        float[] l = new float[256];
        for (int b = 0; b < 256; b++) l[b] = (byte) b / 127f;
        return l;
    }

    private static float[] midpoints(float[] sorted) {
        float[] m = new float[sorted.length - 1];
        for (int i = 0; i < m.length; i++) m[i] = (sorted[i] + sorted[i + 1]) / 2f;
        return m;
    }
}
