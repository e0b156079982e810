package org.peft4j.backend;

import java.util.Arrays;
import java.util.BitSet;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/** Checks of the flat indices of {@link Ops#sparseScatterAdd} and {@link Ops#sparseGather}, shared by every backend. */
public final class SparseIndices {
    private SparseIndices() {}

    /** One value per index, and every index inside {@code dense}; nothing is written before this passes. */
    public static void check(String op, Tensor values, IntTensor indices, Tensor dense) {
        if (values.size() != indices.size()) {
            throw new ShapeException(op + ": " + values.size() + " values " + Arrays.toString(values.shape())
                    + " but " + indices.size() + " indices " + indices);
        }
        int[] idx = indices.data();
        int n = dense.size();
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < 0 || idx[k] >= n) {
                throw new IndexOutOfBoundsException(op + ": index " + idx[k] + " at position " + k
                        + " is outside the dense tensor's " + n + " entries " + Arrays.toString(dense.shape()));
            }
        }
    }

    /** Whether no index repeats (then a scatter-add may run in parallel over k); indices must have passed {@link #check}. */
    public static boolean distinct(IntTensor indices) {
        BitSet seen = new BitSet();
        for (int i : indices.data()) {
            if (seen.get(i)) return false;
            seen.set(i);
        }
        return true;
    }
}
