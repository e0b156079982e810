package org.peft4j.nn;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Inverted dropout at one site of a model. The mask comes from the model's shared
 * {@code [seed, step]} tensor and this site's number, so a run is reproducible from its seed and
 * backward regenerates the mask instead of storing it. Inactive (p = 0 or evaluation): identity.
 */
public final class Dropout {
    private final float p;
    private final int site;
    private final IntTensor seed;
    private final Buffers buffers;

    public Dropout(String name, float p, int site, IntTensor seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException(name + ": dropout must lie in [0, 1), got " + p);
        this.p = p;
        this.site = site;
        this.seed = seed;
        this.buffers = new Buffers(name);
    }

    /** The drop probability in effect: p while training, 0 in evaluation. */
    public float rate(boolean training) { return training ? p : 0f; }

    public int site() { return site; }

    /** The model's shared {@code [seed, step]} tensor. */
    public IntTensor seed() { return seed; }

    /** Returns x itself when inactive, else a dropped copy. */
    public Tensor forward(Ops ops, Tensor x, boolean training) {
        if (!training || p == 0f) return x;
        Tensor y = buffers.get("out", x.shape());
        ops.dropout(x, p, seed, site, y);
        return y;
    }

    /** The gradient through the same mask; {@code dy} itself when inactive. */
    public Tensor backward(Ops ops, Tensor dy, boolean training) {
        if (!training || p == 0f) return dy;
        Tensor dx = buffers.get("dx", dy.shape());
        ops.dropoutBackward(dy, p, seed, site, dx);
        return dx;
    }
}
