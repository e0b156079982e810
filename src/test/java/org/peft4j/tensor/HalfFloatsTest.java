package org.peft4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * float32 ↔ F16/BF16 conversions: round to nearest, ties to even, at normal and subnormal
 * values, at the largest finite values, and for ±∞, ±0 and NaN. BF16 is checked against an
 * independent reference that measures the exact distance to both neighbours in {@link BigDecimal}.
 */
class HalfFloatsTest {

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int h(short s) {
        return s & 0xFFFF;
    }

    @Test
    void f16RoundsToNearestEven() {
        float ulpAtOne = 0x1p-10f;
        assertEquals(0x3C00, h(HalfFloats.toF16(1f)));
        assertEquals(0x3C00, h(HalfFloats.toF16(1f + ulpAtOne / 2)), "tie between 1 and 1+ulp goes to the even 1");
        assertEquals(0x3C02, h(HalfFloats.toF16(1f + 3 * ulpAtOne / 2)), "tie between 1+ulp and 1+2ulp goes to the even 1+2ulp");
        assertEquals(0x3C01, h(HalfFloats.toF16(1f + ulpAtOne / 2 + 0x1p-20f)), "just above the tie rounds up");
        assertEquals(0x7BFF, h(HalfFloats.toF16(65504f)), "largest finite F16");
        assertEquals(0x7BFF, h(HalfFloats.toF16(65519.99f)), "below the midpoint to 2^16 stays finite");
        assertEquals(0x7C00, h(HalfFloats.toF16(65520f)), "the midpoint rounds to even, which is +inf");
        assertEquals(0x0001, h(HalfFloats.toF16(0x1p-24f)), "smallest subnormal");
        assertEquals(0x0000, h(HalfFloats.toF16(0x1p-25f)), "half the smallest subnormal ties to +0");
        assertEquals(0x0002, h(HalfFloats.toF16(0x1.8p-24f)), "1.5 subnormal ulps: tie to the even 2 ulps");
        assertEquals(0x0002, h(HalfFloats.toF16(0x1.4p-23f)), "2.5 subnormal ulps: tie to the even 2 ulps");
        assertEquals(0x0001, h(HalfFloats.toF16(0x1.01p-25f)), "just above half an ulp rounds up");
        assertEquals(0x03FF, h(HalfFloats.toF16(0x1.ff8p-15f)), "largest subnormal");
        assertEquals(0x0400, h(HalfFloats.toF16(0x1p-14f)), "smallest normal");
        assertEquals(0x7C00, h(HalfFloats.toF16(Float.POSITIVE_INFINITY)));
        assertEquals(0xFC00, h(HalfFloats.toF16(Float.NEGATIVE_INFINITY)));
        assertEquals(0x8000, h(HalfFloats.toF16(-0f)));
        assertTrue(Float.isNaN(HalfFloats.fromF16(HalfFloats.toF16(Float.NaN))));
        assertEquals(-2.5f, HalfFloats.fromF16(HalfFloats.toF16(-2.5f)));
    }

    @Test
    void everyF16AndBf16ValueRoundTrips() {
        for (int b = 0; b < 0x10000; b++) {
            short s = (short) b;
            float v16 = HalfFloats.fromF16(s), vb = HalfFloats.fromBF16(s);
            if (Float.isNaN(v16)) assertTrue(Float.isNaN(HalfFloats.fromF16(HalfFloats.toF16(v16))));
            else assertEquals(b, h(HalfFloats.toF16(v16)), "F16 " + Integer.toHexString(b));
            if (Float.isNaN(vb)) assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(vb))));
            else assertEquals(b, h(HalfFloats.toBF16(vb)), "BF16 " + Integer.toHexString(b));
        }
    }

    @Test
    void bf16RoundsToNearestEvenAtTheEdges() {
        assertEquals(0x3F80, h(HalfFloats.toBF16(f(0x3F808000))), "tie, even below: down");
        assertEquals(0x3F82, h(HalfFloats.toBF16(f(0x3F818000))), "tie, odd below: up");
        assertEquals(0x3F81, h(HalfFloats.toBF16(f(0x3F808001))), "just above the tie: up");
        assertEquals(0x3F80, h(HalfFloats.toBF16(f(0x3F807FFF))), "just below the tie: down");
        assertEquals(0x7F7F, h(HalfFloats.toBF16(f(0x7F7F7FFF))), "below the midpoint to 2^128: largest finite BF16");
        assertEquals(0x7F80, h(HalfFloats.toBF16(Float.MAX_VALUE)), "past the midpoint: +inf");
        assertEquals(0xFF80, h(HalfFloats.toBF16(-Float.MAX_VALUE)), "past the midpoint: -inf");
        assertEquals(0x0000, h(HalfFloats.toBF16(f(0x00008000))), "subnormal tie to +0");
        assertEquals(0x0002, h(HalfFloats.toBF16(f(0x00018000))), "subnormal tie, odd below: up");
        assertEquals(0x0001, h(HalfFloats.toBF16(f(0x00008001))), "subnormal just above the tie");
        assertEquals(0x0080, h(HalfFloats.toBF16(f(0x007FFFFF))), "largest float subnormal rounds up to the smallest normal");
        assertEquals(0x8000, h(HalfFloats.toBF16(-0f)));
        assertEquals(0x7F80, h(HalfFloats.toBF16(Float.POSITIVE_INFINITY)));
        assertEquals(0xFF80, h(HalfFloats.toBF16(Float.NEGATIVE_INFINITY)));
        // a NaN whose payload lives only in the low 16 bits must not truncate to infinity
        assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(f(0x7F800001)))));
        assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(f(0xFF800001)))));
    }

    @Test
    void bf16MatchesAnExactDistanceReference() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int k = 0; k < 40_000; k++) {
            int bits = rng.nextInt();
            if (k % 4 == 0) bits = (bits & 0xFFFF0000) | 0x8000; // exact ties
            float v = f(bits);
            if (Float.isNaN(v)) continue;
            assertEquals(referenceBf16(v), h(HalfFloats.toBF16(v)), () -> "BF16 of " + v + " (" + Integer.toHexString(f2i(v)) + ")");
        }
    }

    private static int f2i(float v) {
        return Float.floatToRawIntBits(v);
    }

    /**
     * The BF16 nearest to {@code v} by exact decimal distance to the neighbours {@code below}
     * (truncation) and {@code below + 1}, whose value is 2^128 past the largest finite BF16; ties
     * go to the even one.
     */
    private static int referenceBf16(float v) {
        int bits = f2i(v), sign = bits & 0x80000000;
        int below = (bits & 0x7FFFFFFF) >>> 16;
        if (below == 0x7F80) return (sign >>> 16) | below; // ±inf
        BigDecimal x = new BigDecimal(Math.abs(v));
        BigDecimal lo = new BigDecimal(Float.intBitsToFloat(below << 16));
        BigDecimal hi = below + 1 == 0x7F80 ? new BigDecimal(2).pow(128) : new BigDecimal(Float.intBitsToFloat((below + 1) << 16));
        int cmp = x.subtract(lo).compareTo(hi.subtract(x));
        int rounded = cmp < 0 ? below : cmp > 0 ? below + 1 : (below % 2 == 0 ? below : below + 1);
        return (sign >>> 16) | rounded;
    }
}
