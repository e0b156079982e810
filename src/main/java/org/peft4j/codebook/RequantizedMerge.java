package org.peft4j.codebook;

import org.peft4j.tensor.Tensor;

/**
 * Merging an update ΔW into a quantized base: the base can only hold {@code Ŵ' = Q(Ŵ + ΔW)}, so the
 * merge adds the rounding error {@code e = Ŵ' − (Ŵ + ΔW)}, which is of the order of the
 * quantization step and can exceed ΔW itself (a LoRA update is small).
 *
 * @param maxAbsError  max |e|
 * @param meanAbsError mean |e|
 * @param maxAbsDelta  max |ΔW|, for scale
 * @param meanAbsDelta mean |ΔW|
 */
public record RequantizedMerge(QuantizedWeight merged, double maxAbsError, double meanAbsError, double maxAbsDelta, double meanAbsDelta) {

    /** Re-quantizes {@code Ŵ + delta} in {@code base}'s format and measures the rounding. */
    public static RequantizedMerge of(QuantizedWeight base, Tensor delta) {
        Tensor target = base.dense();
        if (delta.size() != target.size()) {
            throw new IllegalArgumentException(base.name() + ": ΔW " + delta + " does not match the " + base.outFeatures() + "×" + base.inFeatures() + " base");
        }
        for (int i = 0; i < target.size(); i++) target.put(i, target.at(i) + delta.at(i));
        QuantizedWeight merged = QuantizedWeight.quantize(base.name(), target, base.format());
        Tensor rounded = merged.dense();
        double maxError = 0, sumError = 0, maxDelta = 0, sumDelta = 0;
        for (int i = 0; i < target.size(); i++) {
            double e = Math.abs(rounded.at(i) - target.at(i)), d = Math.abs(delta.at(i));
            maxError = Math.max(maxError, e);
            sumError += e;
            maxDelta = Math.max(maxDelta, d);
            sumDelta += d;
        }
        return new RequantizedMerge(merged, maxError, sumError / target.size(), maxDelta, sumDelta / target.size());
    }
}
