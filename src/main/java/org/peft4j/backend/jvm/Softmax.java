package org.peft4j.backend.jvm;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Row-wise softmax, its backward, and the masked, scaled softmax of attention. */
final class Softmax {
    private Softmax() {}

    static void softmax(Parallel pool, Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int n = x.cols();
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        pool.forRange(x.rows(), (long) x.size() * 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xi = xo + r * n, yi = yo + r * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, xd[xi + j]);
                float sum = 0;
                for (int j = 0; j < n; j++) {
                    float e = (float) Math.exp(xd[xi + j] - max);
                    yd[yi + j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = 0; j < n; j++) yd[yi + j] *= inv;
            }
        });
    }

    static void backward(Parallel pool, Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int n = y.cols();
        float[] yd = y.data(), gd = dy.data(), od = dx.data();
        int yo = y.offset(), go = dy.offset(), oo = dx.offset();
        pool.forRange(y.rows(), (long) y.size() * 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                float dot = 0;
                for (int j = 0; j < n; j++) dot += gd[go + r * n + j] * yd[yo + r * n + j];
                for (int j = 0; j < n; j++) od[oo + r * n + j] = yd[yo + r * n + j] * (gd[go + r * n + j] - dot);
            }
        });
    }

    static void attention(Parallel pool, Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p) {
        Shapes.check(s.rank() == 4 && s.dim(2) == s.dim(3), "attentionSoftmax", "scores must be [B, H, S, S]", s, p);
        Shapes.requireSameSize("attentionSoftmax", s, p);
        int batch = s.dim(0), heads = s.dim(1), seq = s.dim(2);
        if (keyMask != null && (keyMask.dim(0) != batch || keyMask.dim(1) != seq)) {
            throw new org.peft4j.tensor.ShapeException("attentionSoftmax: key mask " + keyMask
                    + " does not match scores " + java.util.Arrays.toString(s.shape()));
        }
        float[] sd = s.data(), pd = p.data();
        int so = s.offset(), po = p.offset();
        int rows = batch * heads * seq;
        pool.forRange(rows, (long) s.size() * 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int b = r / (heads * seq), i = r % seq;
                int si = so + r * seq, pi = po + r * seq;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < seq; j++) {
                    if (visible(keyMask, causal, b, i, j)) max = Math.max(max, scale * sd[si + j]);
                }
                float sum = 0;
                for (int j = 0; j < seq; j++) {
                    float e = visible(keyMask, causal, b, i, j) ? (float) Math.exp(scale * sd[si + j] - max) : 0f;
                    pd[pi + j] = e;
                    sum += e;
                }
                float inv = sum > 0 ? 1f / sum : 0f;
                for (int j = 0; j < seq; j++) pd[pi + j] *= inv;
            }
        });
    }

    private static boolean visible(IntTensor keyMask, boolean causal, int b, int i, int j) {
        if (causal && j > i) return false;
        return keyMask == null || keyMask.data()[b * keyMask.dim(1) + j] != 0;
    }
}
