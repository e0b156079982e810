package org.peft4j.backend.jvm;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/** Embedding lookup and its scatter-add gradient. */
final class Embeddings {
    private Embeddings() {}

    static void gather(Tensor table, IntTensor ids, Tensor out) {
        int d = table.cols(), vocab = table.rows();
        check("embeddingGather", table, ids, out);
        for (int i = 0; i < ids.size(); i++) {
            int id = checkedId(ids, i, vocab);
            System.arraycopy(table.data(), table.offset() + id * d, out.data(), out.offset() + i * d, d);
        }
    }

    static void scatterAdd(Tensor dout, IntTensor ids, Tensor dtable) {
        int d = dtable.cols(), vocab = dtable.rows();
        check("embeddingScatterAdd", dtable, ids, dout);
        for (int i = 0; i < ids.size(); i++) {
            int id = checkedId(ids, i, vocab);
            int to = dtable.offset() + id * d, from = dout.offset() + i * d;
            for (int j = 0; j < d; j++) dtable.data()[to + j] += dout.data()[from + j];
        }
    }

    private static void check(String op, Tensor table, IntTensor ids, Tensor rows) {
        if (rows.size() != ids.size() * table.cols()) {
            throw new ShapeException(op + ": " + ids + " ids of width " + table.cols() + " need "
                    + ids.size() * table.cols() + " values, got " + java.util.Arrays.toString(rows.shape()));
        }
    }

    private static int checkedId(IntTensor ids, int i, int vocab) {
        int id = ids.data()[i];
        if (id < 0 || id >= vocab) throw new IndexOutOfBoundsException("embedding id " + id + " at position " + i + " outside [0, " + vocab + ")");
        return id;
    }
}
