package org.peft4j.text;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One token per Unicode code point seen in the training text (sorted, so the vocabulary is a
 * pure function of that text); id 0 stands for any code point not seen.
 */
public final class CharTokenizer implements TextTokenizer {
    private final int[] codePoints;
    private final Map<Integer, Integer> ids = new TreeMap<>();

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
        for (int i = 0; i < codePoints.length; i++) ids.put(codePoints[i], i + 1);
    }

    public static CharTokenizer fit(String trainingText) {
        TreeSet<Integer> seen = new TreeSet<>();
        trainingText.codePoints().forEach(seen::add);
        return new CharTokenizer(seen.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(cp -> ids.getOrDefault(cp, 0)).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) sb.appendCodePoint(t == 0 ? '\uFFFD' : codePoints[t - 1]);
        return sb.toString();
    }

    @Override public int vocabularySize() { return codePoints.length + 1; }
    @Override public String name() { return "char"; }
}
