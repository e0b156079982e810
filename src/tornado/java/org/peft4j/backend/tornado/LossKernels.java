package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The classification end of a model on TornadoVM: masked mean pooling and softmax cross-entropy.
 * <pre>
 *   pool:    out[b, j] = Σ_{s: mask[b,s]≠0} h[b, s, j] / count_b        (0 when count_b = 0)
 *   loss:    ℓ_r = log Σ_j e^{z_rj} − z_r,t_r        loss = Σ ℓ_r / N    dz_rj = (softmax(z_r)_j − [j = t_r]) / N
 * </pre>
 * N counts the rows whose target is not {@code ignore}; ignored rows get zero gradient. A target
 * outside [0, classes) makes the loss NaN (the trainer then stops and names the step).
 */
public final class LossKernels {
    private LossKernels() {}

    /** NaN computed at run time from {@code any} finite value: TornadoVM's OpenCL code can't spell a NaN constant. */
    static float runtimeNaN(float any) {
        return TornadoMath.sqrt(-1f - TornadoMath.abs(any));
    }

    public static void meanPool(float[] h, int[] mask, float[] out, int batch, int seq, int d) {
        for (@Parallel int i = 0; i < batch * d; i++) {
            int b = i / d, j = i % d;
            int count = 0;
            float sum = 0f;
            for (int s = 0; s < seq; s++) {
                if (mask[b * seq + s] != 0) {
                    sum += h[(b * seq + s) * d + j];
                    count++;
                }
            }
            out[i] = count == 0 ? 0f : sum * (1f / count);
        }
    }

    public static void meanPoolBackward(float[] dout, int[] mask, float[] dh, int batch, int seq, int d) {
        for (@Parallel int i = 0; i < batch * seq * d; i++) {
            int j = i % d, s = (i / d) % seq, b = i / (d * seq);
            int count = 0;
            for (int q = 0; q < seq; q++) if (mask[b * seq + q] != 0) count++;
            dh[i] = mask[b * seq + s] == 0 ? 0f : (1f / count) * dout[b * d + j];
        }
    }

    /** {@code scale[0] = 1/N} (one work-item). */
    public static void crossEntropyScale(int[] targets, float[] scale, int rows, int ignore) {
        for (@Parallel int w = 0; w < 1; w++) {
            int counted = 0;
            for (int r = 0; r < rows; r++) if (targets[r] != ignore) counted++;
            scale[0] = counted == 0 ? 0f : 1f / counted;
        }
    }

    /** Per row: ℓ_r into {@code rowLoss} and the row of the gradient. */
    public static void crossEntropyRows(float[] logits, int[] targets, float[] scale, float[] rowLoss, float[] dlogits,
                                        int rows, int classes, int ignore) {
        for (@Parallel int r = 0; r < rows; r++) {
            int t = targets[r], base = r * classes;
            if (t == ignore) {
                rowLoss[r] = 0f;
                for (int j = 0; j < classes; j++) dlogits[base + j] = 0f;
            } else {
                float max = logits[base];
                for (int j = 1; j < classes; j++) max = TornadoMath.max(max, logits[base + j]);
                float sum = 0f;
                for (int j = 0; j < classes; j++) sum += TornadoMath.exp(logits[base + j] - max);
                float logSum = TornadoMath.log(sum) + max;
                boolean valid = t >= 0 && t < classes;
                rowLoss[r] = valid ? logSum - logits[base + t] : runtimeNaN(max);
                for (int j = 0; j < classes; j++) {
                    float g = TornadoMath.exp(logits[base + j] - logSum) * scale[0];
                    dlogits[base + j] = j == t ? g - scale[0] : g;
                }
            }
        }
    }

    /** {@code loss[0] = Σ_r ℓ_r / N} (one work-item, rows in order). */
    public static void crossEntropyTotal(float[] rowLoss, float[] scale, float[] loss, int rows) {
        for (@Parallel int w = 0; w < 1; w++) {
            float total = 0f;
            for (int r = 0; r < rows; r++) total += rowLoss[r];
            loss[0] = total * scale[0];
        }
    }
}
