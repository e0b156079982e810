package org.peft4j.backend.jvm;

import org.peft4j.backend.MaskedMeanPool;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** Masked mean pooling over the sequence axis, forward and backward. */
final class Pooling {
    private Pooling() {}

    static void meanPool(Tensor h, IntTensor mask, Tensor out) {
        int batch = h.dim(0), seq = h.dim(1), d = h.dim(2);
        MaskedMeanPool.check("meanPool", h, mask, out);
        for (int b = 0; b < batch; b++) {
            float inv = inverseCount(mask, b, seq);
            int oi = out.offset() + b * d;
            java.util.Arrays.fill(out.data(), oi, oi + d, 0f);
            for (int s = 0; s < seq; s++) {
                if (mask.data()[b * seq + s] == 0) continue;
                int hi = h.offset() + (b * seq + s) * d;
                for (int j = 0; j < d; j++) out.data()[oi + j] += h.data()[hi + j];
            }
            for (int j = 0; j < d; j++) out.data()[oi + j] *= inv;
        }
    }

    static void backward(Tensor dout, IntTensor mask, Tensor dh) {
        int batch = dh.dim(0), seq = dh.dim(1), d = dh.dim(2);
        MaskedMeanPool.check("meanPoolBackward", dh, mask, dout);
        for (int b = 0; b < batch; b++) {
            float inv = inverseCount(mask, b, seq);
            for (int s = 0; s < seq; s++) {
                int hi = dh.offset() + (b * seq + s) * d, oi = dout.offset() + b * d;
                float w = mask.data()[b * seq + s] == 0 ? 0f : inv;
                for (int j = 0; j < d; j++) dh.data()[hi + j] = w * dout.data()[oi + j];
            }
        }
    }

    private static float inverseCount(IntTensor mask, int b, int seq) {
        int count = 0;
        for (int s = 0; s < seq; s++) if (mask.data()[b * seq + s] != 0) count++;
        return count == 0 ? 0f : 1f / count;
    }
}
