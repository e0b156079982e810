package org.peft4j.nn;

import java.nio.charset.StandardCharsets;

/** Per-parameter seeds derived from a model seed and the parameter's name, so initialisation does not depend on construction order. */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit seed for {@code name} under {@code seed} (FNV-1a over the name, then SplitMix64). */
    public static long of(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001b3L;
        long z = seed ^ h;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
