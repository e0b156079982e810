package org.peft4j.nn;

import java.util.List;

/** Weights that do not fit a model: every missing, unexpected and wrong-shape key, listed together. */
public final class StateDictMismatchException extends IllegalArgumentException {
    private final List<String> missing, unexpected, mismatched;

    public StateDictMismatchException(List<String> missing, List<String> unexpected, List<String> mismatched) {
        super(describe(missing, unexpected, mismatched));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.mismatched = List.copyOf(mismatched);
    }

    public List<String> missing() { return missing; }
    public List<String> unexpected() { return unexpected; }
    public List<String> mismatched() { return mismatched; }

    private static String describe(List<String> missing, List<String> unexpected, List<String> mismatched) {
        StringBuilder sb = new StringBuilder("weights do not match the model:");
        section(sb, "missing", missing);
        section(sb, "unexpected", unexpected);
        section(sb, "wrong shape", mismatched);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> keys) {
        if (keys.isEmpty()) return;
        sb.append("\n  ").append(keys.size()).append(' ').append(title).append(':');
        for (String k : keys) sb.append("\n    ").append(k);
    }
}
