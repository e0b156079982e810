package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The sparse part of SLTrain-style weights on TornadoVM: values at flat indices of a dense matrix.
 * <pre>
 *   scatter-add:  dense[idx[k]] += values[k]     (indices distinct, so no two work-items collide)
 *   gather:       values[k] = dense[idx[k]]
 * </pre>
 */
public final class SparseKernels {
    private SparseKernels() {}

    public static void scatterAdd(float[] values, int[] indices, float[] dense, int count) {
        for (@Parallel int k = 0; k < count; k++) dense[indices[k]] += values[k];
    }

    public static void gather(float[] dense, int[] indices, float[] values, int count) {
        for (@Parallel int k = 0; k < count; k++) values[k] = dense[indices[k]];
    }
}
