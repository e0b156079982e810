package org.peft4j.backend.jvm;

import java.util.Arrays;

/**
 * Copies operand blocks into the contiguous layouts the kernels stream through. Packing is where
 * transposition is absorbed: the kernels only ever see one layout whatever {@code op(X)} was.
 */
final class GemmPacking {
    /** Depth of one gathered block: at most 64 × 32 floats (8 KiB) of a panel being written. */
    private static final int GATHER_DEPTH = 64;

    private GemmPacking() {}

    /**
     * Packs rows {@code [0, count)} × columns {@code [0, depth)} of {@code src} into panels of
     * {@code width} rows: {@code dst[q·depth·width + p·width + r] = src(q·width + r, p)}, with the
     * last panel zero-padded to {@code width} rows. A micro-kernel then reads one panel as
     * {@code depth} consecutive groups of {@code width} values.
     */
    static void panels(GemmOperand src, int count, int depth, int width, float[] dst) {
        if (src.rowStride() == 1) interleave(src, count, depth, width, dst);
        else gather(src, count, depth, width, dst);
    }

    /** Panel rows are adjacent in memory: copy runs of {@code width} values, one source line per {@code p}. */
    private static void interleave(GemmOperand src, int count, int depth, int width, float[] dst) {
        float[] data = src.data();
        int panelSize = depth * width;
        for (int p = 0; p < depth; p++) {
            int line = src.offset() + p * src.colStride();
            for (int first = 0, to = p * width; first < count; first += width, to += panelSize) {
                copyPadded(data, line + first, Math.min(width, count - first), dst, to, width);
            }
        }
    }

    /**
     * Each panel row is a run along {@code p}: rows go eight at a time, {@code p} outermost, so each
     * step reads eight streams and writes eight adjacent values (about twice as fast as one row at
     * a time). Depth goes in blocks of {@link #GATHER_DEPTH}: a whole panel (up to 512 × 32 floats)
     * outgrows L1, and the block keeps the lines being written in it until they are full.
     */
    private static void gather(GemmOperand src, int count, int depth, int width, float[] dst) {
        float[] data = src.data();
        int rowStride = src.rowStride(), colStride = src.colStride();
        for (int first = 0, base = 0; first < count; first += width, base += depth * width) {
            int height = Math.min(width, count - first);
            for (int p0 = 0; p0 < depth; p0 += GATHER_DEPTH) {
                int p1 = Math.min(depth, p0 + GATHER_DEPTH);
                int r = 0;
                for (; r + 8 <= height; r += 8) {
                    gatherEight(data, src.offset() + (first + r) * rowStride, rowStride, colStride, p0, p1,
                            dst, base + p0 * width + r, width);
                }
                for (; r < height; r++) {
                    int from = src.offset() + (first + r) * rowStride;
                    for (int p = p0, to = base + p0 * width + r; p < p1; p++, to += width) dst[to] = data[from + p * colStride];
                }
            }
            for (int r = height; r < width; r++) {
                for (int p = 0, to = base + r; p < depth; p++, to += width) dst[to] = 0f;
            }
        }
    }

    /** {@code dst[to + (p − p0)·width + r] = src[from + r·rowStride + p·colStride]} for r &lt; 8, p in [p0, p1). */
    private static void gatherEight(float[] src, int from, int rowStride, int colStride, int p0, int p1,
                                    float[] dst, int to, int width) {
        int r0 = from, r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
        int r4 = r3 + rowStride, r5 = r4 + rowStride, r6 = r5 + rowStride, r7 = r6 + rowStride;
        for (int p = p0, t = to; p < p1; p++, t += width) {
            int q = p * colStride;
            dst[t] = src[r0 + q]; dst[t + 1] = src[r1 + q]; dst[t + 2] = src[r2 + q]; dst[t + 3] = src[r3 + q];
            dst[t + 4] = src[r4 + q]; dst[t + 5] = src[r5 + q]; dst[t + 6] = src[r6 + q]; dst[t + 7] = src[r7 + q];
        }
    }

    /** Copies {@code rows × cols} of {@code src} into {@code dst} as a dense row-major matrix. */
    static void rowMajor(GemmOperand src, int rows, int cols, float[] dst) {
        panels(src, rows, cols, 1, dst);
    }

    /**
     * {@code count} values, then zeros up to {@code width}. Not Vector API code: the runs are 8 or 32
     * values, and a vector loop that never ran for the 8-wide A panels was compiled without its
     * intrinsics after the 32-wide B panels deoptimised it, leaving it boxed.
     */
    private static void copyPadded(float[] from, int fromOff, int count, float[] to, int toOff, int width) {
        System.arraycopy(from, fromOff, to, toOff, count);
        if (count < width) Arrays.fill(to, toOff + count, toOff + width, 0f);
    }
}
