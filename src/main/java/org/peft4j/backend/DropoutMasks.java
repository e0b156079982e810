package org.peft4j.backend;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Checks of {@link Ops#dropout} and {@link Ops#dropoutBackward}, shared by every backend. */
public final class DropoutMasks {
    private DropoutMasks() {}

    /** p in [0, 1), {@code seed} = [seed, step], and {@code x}, {@code y} of one size. */
    public static void check(Tensor x, float p, IntTensor seed, Tensor y) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must lie in [0, 1), got " + p);
        Shapes.requireSameSize("dropout", x, y);
        if (seed.size() != 2) throw new IllegalArgumentException("dropout seed must be [seed, step], got " + seed);
    }
}
