package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Scatter and gather on TornadoVM: the sparse part of SLTrain-style weights (values at flat
 * indices of a dense matrix) and the gradient of a table lookup (embeddings, codebooks).
 * <pre>
 *   scatter-add:      dense[idx[k]] += values[k]          (indices distinct: no two work-items collide)
 *   gather:           values[k] = dense[idx[k]]
 *   row scatter-add:  table[ids[t], j] += rows[t, j]       (one work-item per column j, tokens in order)
 *   row gather:       out[t, j] = table[ids[t], j]         (an id outside the table gives NaN)
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

    public static void rowGather(float[] table, int[] ids, float[] out, int tokens, int width, int tableRows) {
        for (@Parallel int i = 0; i < tokens * width; i++) {
            int id = ids[i / width];
            out[i] = id >= 0 && id < tableRows ? table[id * width + i % width] : LossKernels.runtimeNaN(table[0]);
        }
    }

    public static void rowScatterAdd(float[] rows, int[] ids, float[] table, int tokens, int width) {
        for (@Parallel int j = 0; j < width; j++) {
            for (int t = 0; t < tokens; t++) table[ids[t] * width + j] += rows[t * width + j];
        }
    }
}
