package org.peft4j.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, in the reference library's alignment order
 * (narrowest first). Writers lay tensors out by descending alignment, then by name, so every
 * tensor starts at a multiple of its element size.
 *
 * <pre>  bytes(n) = n · bits / 8   (must be a whole number of bytes)</pre>
 */
public enum DType {
    BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8),
    F8_E5M2(8), F8_E4M3(8), F8_E8M0(8), F8_E4M3FNUZ(8), F8_E5M2FNUZ(8),
    I16(16), U16(16), F16(16), BF16(16), I32(32), U32(32), F32(32), C64(64), F64(64), I64(64), U64(64);

    private final int bits;

    DType(int bits) { this.bits = bits; }

    /** Bits per element. */
    public int bits() { return bits; }

    /** The header spelling of {@code name}, or {@code null} when it is no known dtype. */
    public static DType fromHeaderName(String name) {
        for (DType d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /** All header spellings, for error messages. */
    static String known() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
