package org.peft4j.backend.jvm;

import org.peft4j.backend.SparseIndices;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Scatter-add and gather of the entries of a fixed-support sparse matrix stored as values and
 * flat row-major indices into a dense tensor. Every index is checked before anything is written.
 * The gather runs in parallel over k; the scatter-add runs in k order on the calling thread, so
 * repeated indices accumulate deterministically (the supports it serves hold a few percent of a
 * weight matrix).
 */
final class SparseEntries {
    private SparseEntries() {}

    /** {@code dense[indices[k]] += values[k]}. */
    static void scatterAdd(Tensor values, IntTensor indices, Tensor dense) {
        SparseIndices.check("sparseScatterAdd", values, indices, dense);
        int[] idx = indices.data();
        float[] v = values.data(), d = dense.data();
        int vo = values.offset(), o = dense.offset();
        for (int k = 0; k < idx.length; k++) d[o + idx[k]] += v[vo + k];
    }

    /** {@code values[k] = dense[indices[k]]}. */
    static void gather(Parallel pool, Tensor dense, IntTensor indices, Tensor values) {
        SparseIndices.check("sparseGather", values, indices, dense);
        int[] idx = indices.data();
        float[] v = values.data(), d = dense.data();
        int vo = values.offset(), o = dense.offset();
        pool.forRange(idx.length, idx.length, (from, to) -> {
            for (int k = from; k < to; k++) v[vo + k] = d[o + idx[k]];
        });
    }
}
