package org.peft4j.backend.jvm;

import org.peft4j.backend.HeadLayout;
import org.peft4j.tensor.Tensor;

/** Moves attention heads between the packed {@code [B, S, W]} layout and {@code [B, H, S, D]}. */
final class Heads {
    private Heads() {}

    static void split(Parallel pool, Tensor x, int column, Tensor out) {
        HeadLayout.check("splitHeads", x, column, out);
        move(pool, x, column, out, true);
    }

    static void merge(Parallel pool, Tensor x, int column, Tensor out) {
        HeadLayout.check("mergeHeads", out, column, x);
        move(pool, out, column, x, false);
    }

    /**
     * Copies between {@code packed [B,S,W]} and {@code heads [B,H,S,D]} in the given direction,
     * the {@code B·H} heads shared out between threads (a copy is about one work unit per value).
     */
    private static void move(Parallel pool, Tensor packed, int column, Tensor heads, boolean toHeads) {
        int h = heads.dim(1), seq = heads.dim(2), d = heads.dim(3), w = packed.dim(2);
        float[] pd = packed.data(), hd = heads.data();
        pool.forRange(heads.dim(0) * h, heads.size(), (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / h, head = bh % h;
                for (int s = 0; s < seq; s++) {
                    int pi = packed.offset() + (b * seq + s) * w + column + head * d;
                    int hi = heads.offset() + (bh * seq + s) * d;
                    if (toHeads) System.arraycopy(pd, pi, hd, hi, d);
                    else System.arraycopy(hd, hi, pd, pi, d);
                }
            }
        });
    }
}
