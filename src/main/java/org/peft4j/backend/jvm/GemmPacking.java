package org.peft4j.backend.jvm;

import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

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
     * outgrows L1, and the block keeps the lines being written in it until they are full. Where the
     * rows are contiguous (a row-major A, the W of a forward {@code x·Wᵀ}), eight rows go sixteen
     * depths at a time through {@link #transposeEightBySixteen}: 2–3× faster than the scalar moves
     * from cache, which took 8–10% of a product's time for A and as much again for such a B.
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
                    int from = src.offset() + (first + r) * rowStride, to = base + p0 * width + r;
                    int p = p0;
                    if (colStride == 1 && TRANSPOSE_LANES) {
                        for (; p + 16 <= p1; p += 16, to += 16 * width) transposeEightBySixteen(data, from + p, rowStride, dst, to, width);
                    }
                    gatherEight(data, from, rowStride, colStride, p, p1, dst, to, width);
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

    private static final VectorSpecies<Float> S = GemmMicroKernel.S;
    private static final Class<FloatVector> V = GemmMicroKernel.V;
    /** Whether the vector transpose applies: it is written for 16 lanes (512-bit vectors). */
    private static final boolean TRANSPOSE_LANES = S.length() == 16;
    /**
     * Lane indices of the transpose's three rounds of two-vector selections ({@code selectFrom}: index
     * i &lt; 16 takes lane i of the first vector, 16 + i lane i of the second). Each round interleaves
     * runs of 1, 2, 4 rows of two vectors at one depth, for the lower or upper half of the depths. The
     * first round's indices stay arrays that each half loads itself: C2 may box a vector chosen by a
     * condition.
     */
    private static final float[] PAIRS_LOW = interleaving(1, 0), PAIRS_HIGH = interleaving(1, 8);
    private static final FloatVector QUADS_LOW = lanes(interleaving(2, 0)), QUADS_HIGH = lanes(interleaving(2, 4)),
            OCTETS_LOW = lanes(interleaving(4, 0)), OCTETS_HIGH = lanes(interleaving(4, 2));
    /** Lanes 8–15 moved to 0–7 (a half vector is stored from the low lanes). */
    private static final FloatVector UPPER_HALF = lanes(indices(l -> (l + 8) % 16));
    /** Half of a 16-lane vector (unused at other lengths). */
    private static final VectorSpecies<Float> HALF = TRANSPOSE_LANES ? FloatVector.SPECIES_256 : S;
    @SuppressWarnings("unchecked")
    private static final Class<FloatVector> HALF_V = (Class<FloatVector>) HALF.vectorType();

    /**
     * Lane l of the result takes run {@code (l / run) % 2} of the two inputs: runs of {@code run} rows
     * at depth {@code firstDepth + l / (2·run)}, where each input holds its depths as consecutive runs.
     */
    private static float[] interleaving(int run, int firstDepth) {
        return indices(l -> l / run % 2 * 16 + (firstDepth + l / (2 * run)) * run + l % run);
    }

    /** {@code lane(l)} for l &lt; 16, in an array that also fills a vector of any other length (zeros past 16). */
    private static float[] indices(IntUnaryOperator lane) {
        float[] index = new float[Math.max(16, S.length())];
        for (int l = 0; l < 16; l++) index[l] = lane.applyAsInt(l);
        return index;
    }

    /**
     * {@code dst[to + p·width + r] = src[from + r·rowStride + p]} for r &lt; 8, p &lt; 16: eight rows of
     * sixteen values transposed in registers by three rounds of two-vector selections, as two halves
     * of eight depths (8 loads, 12 selections and 4 or 8 stores each, instead of 64 scalar moves each
     * way). Each half is compiled on its own: the whole transpose in one method ran past C2's node
     * budget in a training step, and the selections it could no longer inline boxed their vectors.
     */
    private static void transposeEightBySixteen(float[] src, int from, int rowStride, float[] dst, int to, int width) {
        transposeEightByEight(src, from, rowStride, false, dst, to, width);
        transposeEightByEight(src, from, rowStride, true, dst, to + 8 * width, width);
    }

    /** Depths 0–7, or 8–15 ({@code upper}), of {@link #transposeEightBySixteen}. */
    private static void transposeEightByEight(float[] src, int from, int rowStride, boolean upper, float[] dst, int to, int width) {
        FloatVector pairs = lanes(upper ? PAIRS_HIGH : PAIRS_LOW);
        // rows pairwise at eight depths: (r0, r1), (r2, r3), ...
        FloatVector a = select(pairs, load(src, from), load(src, from + rowStride));
        FloatVector b = select(pairs, load(src, from + 2 * rowStride), load(src, from + 3 * rowStride));
        FloatVector c = select(pairs, load(src, from + 4 * rowStride), load(src, from + 5 * rowStride));
        FloatVector d = select(pairs, load(src, from + 6 * rowStride), load(src, from + 7 * rowStride));
        // rows 0–3 and 4–7 at four depths each
        FloatVector e0 = select(QUADS_LOW, a, b), e1 = select(QUADS_HIGH, a, b);
        FloatVector f0 = select(QUADS_LOW, c, d), f1 = select(QUADS_HIGH, c, d);
        // all eight rows at two depths each
        store(select(OCTETS_LOW, e0, f0), dst, to, width, 0);
        store(select(OCTETS_HIGH, e0, f0), dst, to, width, 2);
        store(select(OCTETS_LOW, e1, f1), dst, to, width, 4);
        store(select(OCTETS_HIGH, e1, f1), dst, to, width, 6);
    }

    private static FloatVector lanes(float[] values) {
        return V.cast(FloatVector.fromArray(S, values, 0));
    }

    private static FloatVector load(float[] src, int at) {
        return V.cast(FloatVector.fromArray(S, src, at));
    }

    private static FloatVector select(FloatVector index, FloatVector first, FloatVector second) {
        return V.cast(index.selectFrom(first, second));
    }

    /** Rows 0–7 at depths {@code depth} and {@code depth + 1} to their places in a panel {@code width} wide. */
    private static void store(FloatVector eightByTwo, float[] dst, int to, int width, int depth) {
        int at = to + depth * width;
        if (width == 8) {
            eightByTwo.intoArray(dst, at);
        } else {
            HALF_V.cast(eightByTwo.reinterpretShape(HALF, 0)).intoArray(dst, at);
            HALF_V.cast(select(UPPER_HALF, eightByTwo, eightByTwo).reinterpretShape(HALF, 0)).intoArray(dst, at + width);
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
