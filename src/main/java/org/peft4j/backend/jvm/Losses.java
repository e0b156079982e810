package org.peft4j.backend.jvm;

import org.peft4j.backend.ClassTargets;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Fused softmax cross-entropy over the rows whose target is not {@code ignoreIndex} (N of them):
 * <pre>
 *   loss = (1/N)·Σ_r (log Σ_j exp(z_rj) − z_r,t_r),   dz_rj = (softmax(z_r)_j − [j = t_r]) / N
 * </pre>
 * Each row's softmax is written straight into the gradient ({@link Softmax#row}, vectorised).
 */
final class Losses {
    private Losses() {}

    static void crossEntropy(Parallel pool, Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        int n = logits.rows(), classes = logits.cols();
        int counted = ClassTargets.check(logits, targets, ignoreIndex, loss, dlogits);
        float inv = counted == 0 ? 0f : 1f / counted;
        double[] rowLoss = new double[n];
        float[] ld = logits.data(), gd = dlogits.data();
        int lo = logits.offset(), go = dlogits.offset();
        pool.forRange(n, (long) n * classes * VectorMath.UNITS_PER_NS, (from, to) -> {
            for (int r = from; r < to; r++) {
                int t = targets.data()[r];
                int li = lo + r * classes, gi = go + r * classes;
                if (t == ignoreIndex) {
                    java.util.Arrays.fill(gd, gi, gi + classes, 0f);
                    continue;
                }
                float target = ld[li + t];
                rowLoss[r] = Softmax.row(ld, li, 1f, null, 0, classes, classes, inv, gd, gi) - target;
                gd[gi + t] -= inv;
            }
        });
        double total = 0;
        for (double v : rowLoss) total += v;
        loss.put(0, (float) (total * inv));
    }
}
