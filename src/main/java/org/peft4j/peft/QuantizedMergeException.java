package org.peft4j.peft;

import java.util.Map;
import org.peft4j.codebook.RequantizedMerge;

/**
 * Refusal to merge an adapter into a quantized base without being asked to re-quantize: the
 * message and {@link #rounding()} give the error {@code Q(Ŵ + ΔW) − (Ŵ + ΔW)} the merge would add,
 * per module. Keep the adapter separate, or call {@code PeftModel.merge(true)}.
 */
public final class QuantizedMergeException extends IllegalStateException {
    private final transient Map<String, RequantizedMerge> rounding;

    QuantizedMergeException(String adapter, Map<String, RequantizedMerge> rounding) {
        super(message(adapter, rounding));
        this.rounding = Map.copyOf(rounding);
    }

    /** The re-quantized weights and their rounding errors, by module. */
    public Map<String, RequantizedMerge> rounding() { return rounding; }

    private static String message(String adapter, Map<String, RequantizedMerge> rounding) {
        RequantizedMerge any = rounding.values().iterator().next();
        double maxError = rounding.values().stream().mapToDouble(RequantizedMerge::maxAbsError).max().orElse(0);
        double meanError = rounding.values().stream().mapToDouble(RequantizedMerge::meanAbsError).average().orElse(0);
        double maxDelta = rounding.values().stream().mapToDouble(RequantizedMerge::maxAbsDelta).max().orElse(0);
        double meanDelta = rounding.values().stream().mapToDouble(RequantizedMerge::meanAbsDelta).average().orElse(0);
        return String.format(java.util.Locale.ROOT, "adapter '%s' targets %d layers with a %s-quantized base: merging would re-quantize Ŵ + ΔW,"
                        + " adding a rounding error of max %.3g, mean %.3g per weight (ΔW itself: max %.3g, mean %.3g)."
                        + " Keep the adapter separate (unmerged), or merge(true) to re-quantize anyway.",
                adapter, rounding.size(), any.merged().format().name().toLowerCase(java.util.Locale.ROOT), maxError, meanError, maxDelta, meanDelta);
    }
}
