package org.peft4j.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.codebook.RequantizedMerge;
import org.peft4j.nn.TokenBatch;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.QuantizedMergeException;

/**
 * What merging a trained adapter into its quantized base costs: the weight rounding
 * {@code Q(Ŵ + ΔW) − (Ŵ + ΔW)} the refused merge reports, and, after merging with re-quantization,
 * the change of the logits and of the accuracy on real inputs. The adapter is unmerged afterwards.
 */
record QuantizedMergeCheck(double maxWeightError, double meanWeightError, double maxDelta, double meanDelta,
                           double maxLogitChange, double meanLogitChange, double accuracySeparate, double accuracyMerged) {

    static QuantizedMergeCheck measure(Ops ops, PeftModel model, List<TokenBatch> batches) {
        List<float[]> separate = logits(ops, model, batches);
        Map<String, RequantizedMerge> rounding;
        try {
            model.merge();
            throw new IllegalStateException("merging into a quantized base was not refused");
        } catch (QuantizedMergeException refused) {
            rounding = refused.rounding();
        }
        model.merge(true);
        List<float[]> merged = logits(ops, model, batches);
        model.unmerge();
        double maxChange = 0, sumChange = 0;
        long count = 0, rightSeparate = 0, rightMerged = 0, rows = 0;
        for (int b = 0; b < batches.size(); b++) {
            float[] s = separate.get(b), m = merged.get(b);
            for (int i = 0; i < s.length; i++) {
                double d = Math.abs(s[i] - m[i]);
                maxChange = Math.max(maxChange, d);
                sumChange += d;
                count++;
            }
            int[] labels = batches.get(b).targets().data();
            int classes = s.length / labels.length;
            for (int r = 0; r < labels.length; r++) {
                if (argmax(s, r, classes) == labels[r]) rightSeparate++;
                if (argmax(m, r, classes) == labels[r]) rightMerged++;
                rows++;
            }
        }
        return new QuantizedMergeCheck(
                rounding.values().stream().mapToDouble(RequantizedMerge::maxAbsError).max().orElse(0),
                rounding.values().stream().mapToDouble(RequantizedMerge::meanAbsError).average().orElse(0),
                rounding.values().stream().mapToDouble(RequantizedMerge::maxAbsDelta).max().orElse(0),
                rounding.values().stream().mapToDouble(RequantizedMerge::meanAbsDelta).average().orElse(0),
                maxChange, sumChange / count, (double) rightSeparate / rows, (double) rightMerged / rows);
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("merge_weight_error_max", maxWeightError);
        m.put("merge_weight_error_mean", meanWeightError);
        m.put("delta_weight_max", maxDelta);
        m.put("delta_weight_mean", meanDelta);
        m.put("merge_logit_change_max", maxLogitChange);
        m.put("merge_logit_change_mean", meanLogitChange);
        m.put("test_accuracy_adapter_separate", accuracySeparate);
        m.put("test_accuracy_merged_requantized", accuracyMerged);
        return m;
    }

    private static List<float[]> logits(Ops ops, PeftModel model, List<TokenBatch> batches) {
        return batches.stream().map(b -> model.forward(ops, b, false).toArray()).toList();
    }

    private static int argmax(float[] logits, int row, int classes) {
        int best = 0;
        for (int j = 1; j < classes; j++) if (logits[row * classes + j] > logits[row * classes + best]) best = j;
        return best;
    }
}
