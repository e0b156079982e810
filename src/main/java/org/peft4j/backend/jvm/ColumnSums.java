package org.peft4j.backend.jvm;

import org.peft4j.tensor.Tensor;

/**
 * Parameter gradients that are sums over rows ({@code dγ, dβ, dbias}), computed in parallel with
 * a result fixed by the thread count: chunk {@code c} of the rows adds into its own partial
 * vectors, then partial 0, partial 1, … are added to each target in chunk order.
 */
final class ColumnSums {
    private ColumnSums() {}

    /** Handles rows {@code [from, to)}, adding column sums into {@code partials[k]} (null where target k is null). */
    @FunctionalInterface
    interface RowsBody {
        void run(int from, int to, float[][] partials);
    }

    /**
     * Runs {@code body} over {@code [0, rows)}, one chunk per thread when {@code work} warrants
     * forking, then adds the partials to {@code targets} (each of {@code width} values, or null).
     */
    static void accumulate(Parallel pool, int rows, int width, long work, RowsBody body, Tensor... targets) {
        int chunks = rows == 0 || work < Parallel.SERIAL_WORK_THRESHOLD ? 1 : Math.min(pool.threads(), rows);
        float[][][] partials = new float[chunks][targets.length][];
        for (float[][] chunk : partials) {
            for (int k = 0; k < targets.length; k++) chunk[k] = targets[k] == null ? null : new float[width];
        }
        pool.forChunks(chunks, chunks, (first, last) -> {
            for (int c = first; c < last; c++) {
                body.run(Parallel.chunkStart(rows, chunks, c), Parallel.chunkStart(rows, chunks, c + 1), partials[c]);
            }
        });
        for (int k = 0; k < targets.length; k++) {
            Tensor target = targets[k];
            if (target == null) continue;
            float[] td = target.data();
            int to = target.offset();
            for (float[][] chunk : partials) {
                float[] p = chunk[k];
                for (int j = 0; j < width; j++) td[to + j] += p[j];
            }
        }
    }
}
