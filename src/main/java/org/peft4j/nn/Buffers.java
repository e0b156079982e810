package org.peft4j.nn;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.peft4j.tensor.Tensor;

/**
 * The activation and gradient buffers one module keeps between forward and backward, allocated
 * on first use for a shape and reused while the batch shape stays the same (so that a recorded
 * {@code Plan} replays over the same memory).
 */
public final class Buffers {
    private final String owner;
    private final Map<String, Tensor> byKey = new HashMap<>();

    public Buffers(String owner) {
        this.owner = owner;
    }

    /** The buffer {@code key} of {@code shape}, reallocated (zeroed) only when the shape changes. */
    public Tensor get(String key, int... shape) {
        Tensor t = byKey.get(key);
        if (t == null || !Arrays.equals(t.shape(), shape)) {
            t = Tensor.zeros(shape).named(owner.isEmpty() ? key : owner + "." + key);
            byKey.put(key, t);
        }
        return t;
    }
}
