package org.peft4j.text;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * A dense id space over the symbols (code points, BPE ids) seen in training text: dense id
 * {@code k ≥ 1} is the k-th smallest symbol seen, dense id 0 is every symbol not seen.
 */
final class CompactVocabulary {
    private final int[] symbols;
    private final Map<Integer, Integer> dense = new HashMap<>();

    CompactVocabulary(IntStream seen) {
        TreeSet<Integer> sorted = new TreeSet<>();
        seen.forEach(sorted::add);
        symbols = sorted.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < symbols.length; i++) dense.put(symbols[i], i + 1);
    }

    int toDense(int symbol) { return dense.getOrDefault(symbol, 0); }

    /** The symbol of dense id {@code id ≥ 1}. */
    int symbol(int id) { return symbols[id - 1]; }

    int size() { return symbols.length + 1; }
}
