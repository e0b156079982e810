package org.peft4j.backend.jvm;

import java.util.HashMap;
import java.util.Map;

/**
 * The packed panels of GEMM operands known not to change (a frozen weight in a prepared plan),
 * each packed on its first use and reused by every later product with the same operand and shape.
 * Used from one thread at a time: the products fetch their panels before they fork.
 */
final class ConstantPanels {
    private record Key(GemmOperand operand, int n, int k) {}

    private final Map<Key, PackedPanels> packed = new HashMap<>();

    /** The panels of the {@code k × n} operand {@code b}, packed now if this is its first use. */
    PackedPanels of(GemmOperand b, int n, int k) {
        return packed.computeIfAbsent(new Key(b, n, k), key -> PackedPanels.pack(b, n, k));
    }

    /** Drops every packed operand (they are packed again if used again). */
    void clear() {
        packed.clear();
    }

    /** Operands packed so far. */
    int count() {
        return packed.size();
    }

    /** Floats held by all of them. */
    long size() {
        return packed.values().stream().mapToLong(PackedPanels::size).sum();
    }
}
