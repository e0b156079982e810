package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.peft4j.tensor.Tensor;

/**
 * Tensors placed at a non-zero offset inside a larger array whose other values are a sentinel,
 * so a test sees both whether a kernel honours {@link Tensor#offset()} and whether it writes
 * outside its view.
 */
public final class GuardedViews {
    private GuardedViews() {}

    public static final float GUARD = -7777.5f;

    /** A copy of {@code t} (same shape) at offset {@code before} in an array with {@code after} more guard values. */
    public static Tensor offsetCopy(Tensor t, int before, int after) {
        float[] backing = new float[before + t.size() + after];
        java.util.Arrays.fill(backing, GUARD);
        System.arraycopy(t.data(), t.offset(), backing, before, t.size());
        return Tensor.view(backing, before, t.shape());
    }

    /** {@link #offsetCopy(Tensor, int, int)} with 5 guards before (not a vector multiple) and 3 after. */
    public static Tensor offsetCopy(Tensor t) {
        return offsetCopy(t, 5, 3);
    }

    /** Fails if any value of the backing array outside the view is no longer {@link #GUARD}. */
    public static void assertGuardsIntact(Tensor view, String what) {
        float[] d = view.data();
        for (int i = 0; i < d.length; i++) {
            boolean inside = i >= view.offset() && i < view.offset() + view.size();
            if (!inside && Float.floatToRawIntBits(d[i]) != Float.floatToRawIntBits(GUARD)) {
                fail(what + ": wrote " + d[i] + " at array index " + i + ", outside the view [" + view.offset()
                        + ", " + (view.offset() + view.size()) + ")");
            }
        }
    }
}
