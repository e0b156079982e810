package org.peft4j.backend.jvm;

import org.peft4j.backend.ClassTargets;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** Fused softmax cross-entropy: mean loss and its gradient in one pass. */
final class Losses {
    private Losses() {}

    static void crossEntropy(Parallel pool, Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        int n = logits.rows(), classes = logits.cols();
        int counted = ClassTargets.check(logits, targets, ignoreIndex, loss, dlogits);
        float inv = counted == 0 ? 0f : 1f / counted;
        double[] rowLoss = new double[n];
        float[] ld = logits.data(), gd = dlogits.data();
        int lo = logits.offset(), go = dlogits.offset();
        pool.forRange(n, (long) n * classes * 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int t = targets.data()[r];
                int li = lo + r * classes, gi = go + r * classes;
                if (t == ignoreIndex) {
                    java.util.Arrays.fill(gd, gi, gi + classes, 0f);
                    continue;
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < classes; j++) max = Math.max(max, ld[li + j]);
                double sum = 0;
                for (int j = 0; j < classes; j++) sum += Math.exp(ld[li + j] - max);
                double logSum = Math.log(sum) + max;
                rowLoss[r] = logSum - ld[li + t];
                for (int j = 0; j < classes; j++) {
                    gd[gi + j] = (float) (Math.exp(ld[li + j] - logSum) * inv);
                }
                gd[gi + t] -= inv;
            }
        });
        double total = 0;
        for (double v : rowLoss) total += v;
        loss.put(0, (float) (total * inv));
    }
}
