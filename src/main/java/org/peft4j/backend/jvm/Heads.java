package org.peft4j.backend.jvm;

import org.peft4j.backend.HeadLayout;
import org.peft4j.tensor.Tensor;

/** Moves attention heads between the packed {@code [B, S, W]} layout and {@code [B, H, S, D]}. */
final class Heads {
    private Heads() {}

    static void split(Tensor x, int column, Tensor out) {
        HeadLayout.check("splitHeads", x, column, out);
        move(x, column, out, true);
    }

    static void merge(Tensor x, int column, Tensor out) {
        HeadLayout.check("mergeHeads", out, column, x);
        move(out, column, x, false);
    }

    /** Copies between {@code packed [B,S,W]} and {@code heads [B,H,S,D]} in the given direction. */
    private static void move(Tensor packed, int column, Tensor heads, boolean toHeads) {
        int batch = heads.dim(0), h = heads.dim(1), seq = heads.dim(2), d = heads.dim(3), w = packed.dim(2);
        float[] pd = packed.data(), hd = heads.data();
        for (int b = 0; b < batch; b++) {
            for (int head = 0; head < h; head++) {
                for (int s = 0; s < seq; s++) {
                    int pi = packed.offset() + (b * seq + s) * w + column + head * d;
                    int hi = heads.offset() + ((b * h + head) * seq + s) * d;
                    if (toHeads) System.arraycopy(pd, pi, hd, hi, d);
                    else System.arraycopy(hd, hi, pd, pi, d);
                }
            }
        }
    }
}
