package org.peft4j.backend;

import java.util.Arrays;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/** Checks of {@link Ops#embeddingGather} and {@link Ops#embeddingScatterAdd}, shared by every backend. */
public final class EmbeddingIds {
    private EmbeddingIds() {}

    /** {@code rows} holds one table-width row per id, and every id names a row of {@code table}. */
    public static void check(String op, Tensor table, IntTensor ids, Tensor rows) {
        int d = table.cols(), vocab = table.rows();
        if (rows.size() != (long) ids.size() * d) {
            throw new ShapeException(op + ": " + ids.size() + " ids " + ids + " of width " + d + " need "
                    + (long) ids.size() * d + " values, got " + Arrays.toString(rows.shape()));
        }
        int[] id = ids.data();
        for (int i = 0; i < id.length; i++) {
            if (id[i] < 0 || id[i] >= vocab) {
                throw new IndexOutOfBoundsException(op + ": id " + id[i] + " at position " + i
                        + " is outside the table's " + vocab + " rows " + Arrays.toString(table.shape()));
            }
        }
    }
}
