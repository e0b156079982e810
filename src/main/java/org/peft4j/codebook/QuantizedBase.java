package org.peft4j.codebook;

import java.util.Map;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;

/**
 * QLoRA's base: every frozen dense Linear weight of a model replaced by its {@link QuantizedWeight};
 * trainable weights (a new classification head) stay dense. Adapters keep training in fp32 on top.
 */
public final class QuantizedBase {
    private QuantizedBase() {}

    /** What quantizing a base did: layers replaced, and their weight bytes before (fp32) and after (codes + scales). */
    public record Summary(QuantizationFormat format, int layers, long denseBytes, long quantizedBytes) {
        public double compression() { return quantizedBytes == 0 ? 1 : (double) denseBytes / quantizedBytes; }
    }

    /** Quantizes the frozen dense weights among {@code linears} (a model's {@code linears()}) in place. */
    public static Summary quantize(Map<String, Linear> linears, QuantizationFormat format) {
        int layers = 0;
        long before = 0, after = 0;
        for (Linear linear : linears.values()) {
            if (!(linear.weight() instanceof DenseWeight dense) || dense.weight().trainable()) continue;
            QuantizedWeight q = QuantizedWeight.quantize(dense.weight().name(), dense.dense(), format);
            linear.setWeight(q);
            layers++;
            before += 4L * dense.dense().size();
            after += q.storageBytes();
        }
        if (layers == 0) throw new IllegalArgumentException("the model has no frozen dense Linear weight to quantize (freeze the base first)");
        return new Summary(format, layers, before, after);
    }
}
