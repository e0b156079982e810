package org.peft4j.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM as dot products, for outputs too narrow for the packed kernel's {@link GemmMicroKernel#NR}
 * columns (a LoRA down-projection {@code x·Aᵀ} has only {@code r} of them). Both operands are read
 * in place along {@code p}, so nothing is packed:
 *
 * <pre>
 *   C[i, j] = alpha·Σ_p A[i, p]·Bt[j, p] + beta·C[i, j]       rows of A and Bt contiguous in p
 * </pre>
 *
 * A {@value #RI} × {@value #RJ} block of C is held in 16 vector accumulators of partial sums over
 * lanes (8 loads per 16 FMAs), then each accumulator's lanes are summed in a fixed order, so the
 * result never depends on how the rows were shared between threads.
 */
final class GemmDotKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows of C per block. */
    static final int RI = 4;
    /** Columns of C per block. */
    static final int RJ = 4;

    private static final VectorShuffle<Float>[] FOLDS = folds();

    private GemmDotKernel() {}

    /**
     * Rows {@code [i0, i1)} of C ({@code n} columns); row {@code i} of A starts at {@code a[ao + i·lda]},
     * row {@code j} of Bt at {@code bt[bo + j·ldb]}, element {@code (i, j)} of C at {@code c[co + i·ldc + j]}.
     * Blocks past the edge repeat the last real row or column and are not stored.
     */
    static void rows(float[] a, int ao, int lda, float[] bt, int bo, int ldb, float[] c, int co, int ldc,
                     int i0, int i1, int n, int k, float alpha, float beta) {
        float[] partials = GemmWorkspace.current().tileSums();
        for (int i = i0; i < i1; i += RI) {
            int rows = Math.min(RI, i1 - i);
            int a0 = ao + Math.min(i, i1 - 1) * lda;
            int a1 = ao + Math.min(i + 1, i1 - 1) * lda;
            int a2 = ao + Math.min(i + 2, i1 - 1) * lda;
            int a3 = ao + Math.min(i + 3, i1 - 1) * lda;
            for (int j = 0; j < n; j += RJ) {
                int cols = Math.min(RJ, n - j);
                int b0 = bo + Math.min(j, n - 1) * ldb;
                int b1 = bo + Math.min(j + 1, n - 1) * ldb;
                int b2 = bo + Math.min(j + 2, n - 1) * ldb;
                int b3 = bo + Math.min(j + 3, n - 1) * ldb;
                FloatVector z = FloatVector.zero(S);
                FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z, s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
                // Full vectors here, without a mask (masked loads in the hot loop keep C2 from unrolling it). The
                // masked tail adds into the stored sums in a method of its own: merging masked and unmasked paths
                // into the same accumulators made C2 box them (ten times slower). The same lane sums either way.
                int p = 0;
                for (int bound = S.loopBound(k); p < bound; p += L) {
                    FloatVector y0 = FloatVector.fromArray(S, bt, b0 + p), y1 = FloatVector.fromArray(S, bt, b1 + p);
                    FloatVector y2 = FloatVector.fromArray(S, bt, b2 + p), y3 = FloatVector.fromArray(S, bt, b3 + p);
                    FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
                    s00 = x0.fma(y0, s00); s01 = x0.fma(y1, s01); s02 = x0.fma(y2, s02); s03 = x0.fma(y3, s03);
                    FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
                    s10 = x1.fma(y0, s10); s11 = x1.fma(y1, s11); s12 = x1.fma(y2, s12); s13 = x1.fma(y3, s13);
                    FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
                    s20 = x2.fma(y0, s20); s21 = x2.fma(y1, s21); s22 = x2.fma(y2, s22); s23 = x2.fma(y3, s23);
                    FloatVector x3 = FloatVector.fromArray(S, a, a3 + p);
                    s30 = x3.fma(y0, s30); s31 = x3.fma(y1, s31); s32 = x3.fma(y2, s32); s33 = x3.fma(y3, s33);
                }
                s00.intoArray(partials, 0); s01.intoArray(partials, L); s02.intoArray(partials, 2 * L); s03.intoArray(partials, 3 * L);
                s10.intoArray(partials, 4 * L); s11.intoArray(partials, 5 * L); s12.intoArray(partials, 6 * L); s13.intoArray(partials, 7 * L);
                s20.intoArray(partials, 8 * L); s21.intoArray(partials, 9 * L); s22.intoArray(partials, 10 * L); s23.intoArray(partials, 11 * L);
                s30.intoArray(partials, 12 * L); s31.intoArray(partials, 13 * L); s32.intoArray(partials, 14 * L); s33.intoArray(partials, 15 * L);
                if (p < k) addTail(partials, a, new int[] {a0, a1, a2, a3}, bt, new int[] {b0, b1, b2, b3}, p, k);
                store(partials, c, co + i * ldc + j, ldc, rows, cols, alpha, beta);
            }
        }
    }

    /** {@code partials[(r·RJ + q)·L + l] += A[r][p + l]·Bt[q][p + l]} over the masked lanes {@code [p, k)}. */
    private static void addTail(float[] partials, float[] a, int[] aRows, float[] bt, int[] btRows, int p, int k) {
        VectorMask<Float> m = S.indexInRange(p, k);
        for (int r = 0; r < RI; r++) {
            FloatVector x = FloatVector.fromArray(S, a, aRows[r] + p, m);
            for (int q = 0; q < RJ; q++) {
                int at = (r * RJ + q) * L;
                x.fma(FloatVector.fromArray(S, bt, btRows[q] + p, m), FloatVector.fromArray(S, partials, at)).intoArray(partials, at);
            }
        }
    }

    /**
     * Sums each block element's lanes with a fixed tree of lane-wise adds (so the order, and the
     * rounding, never depend on the JIT) and writes {@code alpha·sum + beta·C}.
     */
    private static void store(float[] partials, float[] c, int at, int ldc, int rows, int cols, float alpha, float beta) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                FloatVector v = FloatVector.fromArray(S, partials, (r * RJ + q) * L);
                for (VectorShuffle<Float> fold : FOLDS) v = v.add(v.rearrange(fold));
                float sum = v.lane(0);
                int to = at + r * ldc + q;
                c[to] = beta == 0f ? alpha * sum : alpha * sum + beta * c[to];
            }
        }
    }

    /** Lane {@code l} to lane {@code l ^ h} for h = L/2, L/4, …, 1: log2(L) folds sum all lanes. */
    private static VectorShuffle<Float>[] folds() {
        @SuppressWarnings("unchecked")
        VectorShuffle<Float>[] folds = new VectorShuffle[Integer.numberOfTrailingZeros(L)];
        for (int f = 0, h = L / 2; h >= 1; f++, h /= 2) {
            int half = h;
            folds[f] = VectorShuffle.fromOp(S, l -> l ^ half);
        }
        return folds;
    }
}
