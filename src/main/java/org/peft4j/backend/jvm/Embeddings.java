package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.LANES;

import org.peft4j.backend.EmbeddingIds;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Embedding lookup and its scatter-add gradient. Every id is checked before anything is written.
 * The scatter-add splits the embedding width across threads, so each table row receives its
 * updates in id order whatever the thread count: repeated ids accumulate deterministically.
 */
final class Embeddings {
    private Embeddings() {}

    /** {@code out[i, :] = table[ids[i], :]}, rows copied in parallel. */
    static void gather(Parallel pool, Tensor table, IntTensor ids, Tensor out) {
        String op = "embeddingGather";
        int d = table.cols();
        EmbeddingIds.check(op, table, ids, out);
        int[] id = ids.data();
        float[] td = table.data(), od = out.data();
        int to = table.offset(), oo = out.offset();
        pool.forRange(id.length, (long) id.length * d, (from, end) -> {
            for (int i = from; i < end; i++) System.arraycopy(td, to + id[i] * d, od, oo + i * d, d);
        });
    }

    /** {@code dtable[ids[i], :] += dout[i, :]}, parallel over column blocks of whole vectors. */
    static void scatterAdd(Parallel pool, Tensor dout, IntTensor ids, Tensor dtable) {
        String op = "embeddingScatterAdd";
        int d = dtable.cols();
        EmbeddingIds.check(op, dtable, ids, dout);
        int[] id = ids.data();
        float[] gd = dout.data(), td = dtable.data();
        int go = dout.offset(), to = dtable.offset();
        int blocks = (d + LANES - 1) / LANES;
        pool.forRange(blocks, (long) id.length * d, (first, last) -> {
            int c0 = first * LANES, width = Math.min(d, last * LANES) - c0;
            for (int i = 0; i < id.length; i++) Rows.addInto(gd, go + i * d + c0, td, to + id[i] * d + c0, width);
        });
    }
}
