package org.peft4j.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies operand blocks into the contiguous layouts the kernels stream through. Packing is where
 * transposition is absorbed: the kernels only ever see one layout whatever {@code op(X)} was.
 */
final class GemmPacking {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

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

    private static void copyPadded(float[] from, int fromOff, int count, float[] to, int toOff, int width) {
        int j = 0;
        for (; j + L <= count; j += L) FloatVector.fromArray(S, from, fromOff + j).intoArray(to, toOff + j);
        for (; j < count; j++) to[toOff + j] = from[fromOff + j];
        for (; j < width; j++) to[toOff + j] = 0f;
    }
}
