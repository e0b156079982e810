package org.peft4j.tensor;

/**
 * Conversions between float32 and the 16-bit storage formats, rounding to nearest, ties to even.
 *
 * <pre>
 *   F16  (IEEE binary16): 1 sign | 5 exponent | 10 mantissa
 *   BF16 (bfloat16)     : 1 sign | 8 exponent |  7 mantissa  = upper half of a float32
 * </pre>
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static short toF16(float f) { return Float.floatToFloat16(f); }

    public static float fromF16(short h) { return Float.float16ToFloat(h); }

    /** float32 → bfloat16 bits, round-to-nearest-even; NaN stays a (quiet) NaN. */
    public static short toBF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    public static float fromBF16(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }
}
