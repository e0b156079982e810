package org.peft4j.codebook;

/**
 * Codebook indices packed at {@code b = max(1, ⌈log₂ K⌉)} bits each, little-endian within the
 * byte stream: index i occupies bits {@code [i·b, (i + 1)·b)}.
 */
public final class PackedCodes {
    private PackedCodes() {}

    /** Bits per index for a codebook of {@code k} codes. */
    public static int bitsFor(int k) {
        if (k < 1) throw new IllegalArgumentException("a codebook needs ≥ 1 code, got " + k);
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(k - 1));
    }

    public static byte[] pack(int[] codes, int k) {
        int b = bitsFor(k);
        byte[] out = new byte[(int) (((long) codes.length * b + 7) / 8)];
        long bit = 0;
        for (int i = 0; i < codes.length; i++) {
            int c = codes[i];
            if (c < 0 || c >= k) throw new IllegalArgumentException("code " + c + " at position " + i + " is outside [0, " + k + ")");
            for (int j = 0; j < b; j++, bit++) if ((c >>> j & 1) != 0) out[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
        }
        return out;
    }

    public static int[] unpack(byte[] packed, int count, int k) {
        int b = bitsFor(k);
        if ((long) count * b > 8L * packed.length) {
            throw new IllegalArgumentException(count + " codes of " + b + " bits need " + ((long) count * b + 7) / 8
                    + " bytes, got " + packed.length);
        }
        int[] out = new int[count];
        long bit = 0;
        for (int i = 0; i < count; i++) {
            int c = 0;
            for (int j = 0; j < b; j++, bit++) c |= (packed[(int) (bit >>> 3)] >>> (bit & 7) & 1) << j;
            out[i] = c;
        }
        return out;
    }
}
