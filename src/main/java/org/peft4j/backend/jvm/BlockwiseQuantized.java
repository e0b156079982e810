package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.GemmMicroKernel.NR;

import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Blockwise-quantized matrices W (codes into a codebook of {@code 2^bits} levels, one absmax
 * scale per block of {@code blockSize} consecutive elements; layout in
 * {@link org.peft4j.backend.Ops#dequantizeRows}): dequantization and products that dequantize
 * {@link #BLOCK_ROWS} rows of W at a time into a per-thread buffer and hand them to the packed
 * GEMM ({@link GemmBlocked}).
 *
 * <p>Transient memory: each worker thread keeps one buffer of {@code BLOCK_ROWS · cols} floats
 * (forward: W's columns; input gradient: the thread's share of them). The block boundaries do
 * not depend on the thread count, so results are bitwise reproducible.
 */
final class BlockwiseQuantized {
    /** Rows of W dequantized per GEMM call (along the output axis forward, the reduction axis backward). */
    static final int BLOCK_ROWS = 64;
    private static final ThreadLocal<float[][]> BUFFER = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private BlockwiseQuantized() {}

    /** The matrix W described by the codes: its {@code cols} and how many rows its scales cover. */
    private record Layout(int[] codes, int bits, float[] levels, float[] absmax, int absmaxOffset,
                          int blockSize, int rows, int cols) {
        static Layout check(String op, IntTensor codes, int bits, Tensor levels, Tensor absmax, int blockSize, int rows, int cols) {
            if (bits < 1 || bits > 16 || 32 % bits != 0) {
                throw new IllegalArgumentException(op + ": bits per code must divide 32 and be at most 16, got " + bits);
            }
            if (levels.size() != 1 << bits) {
                throw new IllegalArgumentException(op + ": " + bits + "-bit codes need " + (1 << bits) + " levels, got " + levels.size());
            }
            if (blockSize < 1) throw new IllegalArgumentException(op + ": blockSize must be ≥ 1, got " + blockSize);
            long elements = (long) rows * cols;
            long words = (elements * bits + 31) / 32;
            if (codes.size() < words) {
                throw new IllegalArgumentException(op + ": a " + rows + "×" + cols + " matrix of " + bits + "-bit codes needs "
                        + words + " int32 words, got " + codes.size());
            }
            long blocks = (elements + blockSize - 1) / blockSize;
            if (absmax.size() < blocks) {
                throw new IllegalArgumentException(op + ": a " + rows + "×" + cols + " matrix in blocks of " + blockSize
                        + " needs " + blocks + " absmax scales, got " + absmax.size());
            }
            float[] table = levels.offset() == 0 && levels.data().length == levels.size() ? levels.data() : levels.toArray();
            return new Layout(codes.data(), bits, table, absmax.data(), absmax.offset(), blockSize, rows, cols);
        }

        /** W[row, c0 .. c0 + count) into {@code dst[at ..]}: codes shifted out of each word in turn. */
        void decode(int row, int c0, int count, float[] dst, int at) {
            int perWord = 32 / bits, mask = (1 << bits) - 1;
            int e = row * cols + c0, end = e + count;
            int word = e / perWord, slot = e % perWord;
            int current = codes[word] >>> (slot * bits);
            while (e < end) {
                int block = e / blockSize;
                int stop = Math.min(end, (block + 1) * blockSize);
                float scale = absmax[absmaxOffset + block];
                for (; e < stop; e++) {
                    dst[at++] = levels[current & mask] * scale;
                    if (++slot < perWord) {
                        current >>>= bits;
                    } else {
                        slot = 0;
                        current = ++word < codes.length ? codes[word] : 0;
                    }
                }
            }
        }
    }

    /** {@code out = W[rowFrom .. rowFrom + out.rows(), :]}. */
    static void dequantizeRows(Parallel pool, IntTensor codes, int bits, Tensor levels, Tensor absmax, int blockSize,
                               int rowFrom, Tensor out) {
        int rows = out.rows(), cols = out.cols();
        if (rowFrom < 0) throw new IllegalArgumentException("dequantizeRows: rowFrom must be ≥ 0, got " + rowFrom);
        Layout w = Layout.check("dequantizeRows", codes, bits, levels, absmax, blockSize, rowFrom + rows, cols);
        float[] dst = out.data();
        pool.forRange(rows, (long) rows * cols, (from, to) -> {
            for (int i = from; i < to; i++) w.decode(rowFrom + i, 0, cols, dst, out.offset() + i * cols);
        });
    }

    /** {@code y = alpha·x·op(W) + beta·y}, op(W) = Wᵀ (tw = T) or W (tw = N). */
    static void gemm(Parallel pool, Transpose tw, float alpha, Tensor x, IntTensor codes, int bits, Tensor levels, Tensor absmax,
                     int blockSize, float beta, Tensor y) {
        String op = "quantizedGemm" + tw;
        Tensor x2 = x.asMatrix(), y2 = y.asMatrix();
        int m = x2.rows();
        Shapes.check(y2.rows() == m, op, "x and y must have the same number of rows", x, y);
        boolean forward = tw.transposed();
        int wRows = forward ? y2.cols() : x2.cols(), wCols = forward ? x2.cols() : y2.cols();
        Layout w = Layout.check(op, codes, bits, levels, absmax, blockSize, wRows, wCols);
        int n = y2.cols(), k = x2.cols();
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            for (int i = 0; i < m * n; i++) y2.put(i, beta == 0f ? 0f : beta * y2.at(i));
            return;
        }
        int tiles = (n + NR - 1) / NR;
        int parts = (long) m * n * k >= Gemm.PARALLEL_WORK ? pool.threads() : 1;
        GemmOperand a = GemmOperand.of(x2, Transpose.N);
        pool.forChunks(tiles, parts, (t0, t1) -> {
            int c0 = t0 * NR, c1 = Math.min(n, t1 * NR);
            if (forward) forwardColumns(w, a, m, c0, c1, alpha, beta, y2);
            else inputGradientColumns(w, a, m, c0, c1, alpha, beta, y2);
        });
    }

    /** y[:, c0..c1) = alpha·x·W[c0..c1, :]ᵀ + beta·y: rows of W, {@link #BLOCK_ROWS} at a time. */
    private static void forwardColumns(Layout w, GemmOperand x, int m, int c0, int c1, float alpha, float beta, Tensor y) {
        int k = w.cols();
        float[] buf = buffer(BLOCK_ROWS * k);
        for (int j0 = c0; j0 < c1; j0 += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, c1 - j0);
            for (int r = 0; r < rows; r++) w.decode(j0 + r, 0, k, buf, r * k);
            // op(B)[p, j] = W[j0 + j, p] = buf[j·k + p]
            GemmBlocked.multiply(x, new GemmOperand(buf, 0, 1, k), m, rows, k, alpha, beta, y.data(), y.offset() + j0, y.cols());
        }
    }

    /** y[:, c0..c1) = alpha·x·W[:, c0..c1) + beta·y: the reduction over W's rows, {@link #BLOCK_ROWS} at a time. */
    private static void inputGradientColumns(Layout w, GemmOperand x, int m, int c0, int c1, float alpha, float beta, Tensor y) {
        int width = c1 - c0;
        float[] buf = buffer(BLOCK_ROWS * width);
        for (int p0 = 0; p0 < w.rows(); p0 += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, w.rows() - p0);
            for (int r = 0; r < rows; r++) w.decode(p0 + r, c0, width, buf, r * width);
            GemmBlocked.multiply(x.at(0, p0), new GemmOperand(buf, 0, width, 1), m, width, rows, alpha, p0 == 0 ? beta : 1f,
                    y.data(), y.offset() + c0, y.cols());
        }
    }

    private static float[] buffer(int size) {
        float[][] holder = BUFFER.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }
}
