package org.peft4j.backend.jvm;

import java.util.Arrays;

/**
 * Copies operand blocks into the contiguous layouts the kernels stream through. Packing is where
 * transposition is absorbed: the kernels only ever see one layout whatever {@code op(X)} was.
 */
final class GemmPacking {
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

    /** Each panel row is a run along {@code p}: read it in order, write it with stride {@code width}. */
    private static void gather(GemmOperand src, int count, int depth, int width, float[] dst) {
        float[] data = src.data();
        for (int first = 0, base = 0; first < count; first += width, base += depth * width) {
            int height = Math.min(width, count - first);
            for (int r = 0; r < height; r++) {
                int from = src.offset() + (first + r) * src.rowStride();
                for (int p = 0, to = base + r; p < depth; p++, to += width) {
                    dst[to] = data[from + p * src.colStride()];
                }
            }
            for (int r = height; r < width; r++) {
                for (int p = 0, to = base + r; p < depth; p++, to += width) dst[to] = 0f;
            }
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
