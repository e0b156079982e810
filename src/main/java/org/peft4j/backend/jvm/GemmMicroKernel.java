package org.peft4j.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner product of the packed GEMM: one {@link #MR} × {@link #NR} tile of C
 * held in {@code MR·2} vector accumulators while {@code kc} rank-1 updates stream through
 *
 * <pre>
 *   acc[r][v] += broadcast(Ap[p·MR + r]) · Bp[p·NR + v·L .. + L]      for p in [0, kc)
 *   C[r, :]    = alpha·acc[r] + beta·C[r, :]       (beta = 0: old C is not read)
 * </pre>
 *
 * Per step: 2 vector loads, {@code MR} broadcasts, {@code 2·MR} FMAs. Rows and columns beyond the
 * tile's real extent are computed on zero padding and never stored.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Rows of C per tile (broadcast side). */
    static final int MR = 8;
    /** Columns of C per tile (vector side): two vectors. */
    static final int NR = 2 * L;
    /**
     * The species' concrete vector class ({@code Float512Vector} here). Every vector the kernels make
     * passes through {@code V.cast}, which tells C2 its exact class at parse time: without it C2 relies on
     * type profiles to devirtualize the vector calls, and a kernel compiled from a thin profile (C1's
     * tier 2, no tier 3, chosen when the compile queue is long) kept its accumulators boxed, allocating
     * gigabytes per training step in about half of the JVMs launched.
     */
    @SuppressWarnings("unchecked")
    static final Class<FloatVector> V = (Class<FloatVector>) S.vectorType();

    private GemmMicroKernel() {}

    /**
     * Sums {@code kc} rank-1 updates into {@code sums} (MR·NR, row-major), overwriting it. The MR
     * values of A at depth {@code p} are {@code a[ao + p·aDepth + r]} and the NR values of B start at
     * {@code b[bo + p·bDepth]}: packed panels have {@code aDepth = MR, bDepth = NR}; an operand that
     * already lies that way along its rows (a transposed A, a row-major B) is read in place.
     */
    static void tile(int kc, float[] a, int ao, int aDepth, float[] b, int bo, int bDepth, float[] sums) {
        FloatVector z = V.cast(FloatVector.zero(S));
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0, i = ao, q = bo; p < kc; p++, i += aDepth, q += bDepth) {
            FloatVector b0 = V.cast(FloatVector.fromArray(S, b, q));
            FloatVector b1 = V.cast(FloatVector.fromArray(S, b, q + L));
            FloatVector x = V.cast(FloatVector.broadcast(S, a[i]));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = V.cast(FloatVector.broadcast(S, a[i + 1]));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = V.cast(FloatVector.broadcast(S, a[i + 2]));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = V.cast(FloatVector.broadcast(S, a[i + 3]));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = V.cast(FloatVector.broadcast(S, a[i + 4]));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = V.cast(FloatVector.broadcast(S, a[i + 5]));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = V.cast(FloatVector.broadcast(S, a[i + 6]));
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = V.cast(FloatVector.broadcast(S, a[i + 7]));
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        // Spilling through an array keeps the write-back out of this method: C2 declines to
        // inline helpers here, and vectors passed to a call that is not inlined get boxed.
        c00.intoArray(sums, 0); c01.intoArray(sums, L);
        c10.intoArray(sums, NR); c11.intoArray(sums, NR + L);
        c20.intoArray(sums, 2 * NR); c21.intoArray(sums, 2 * NR + L);
        c30.intoArray(sums, 3 * NR); c31.intoArray(sums, 3 * NR + L);
        c40.intoArray(sums, 4 * NR); c41.intoArray(sums, 4 * NR + L);
        c50.intoArray(sums, 5 * NR); c51.intoArray(sums, 5 * NR + L);
        c60.intoArray(sums, 6 * NR); c61.intoArray(sums, 6 * NR + L);
        c70.intoArray(sums, 7 * NR); c71.intoArray(sums, 7 * NR + L);
    }

    /**
     * {@link #tile} for an A whose rows are contiguous (a row-major A read in place): the MR values of
     * A at depth {@code p} are {@code a[ao + r·aRow + p]}. A separate kernel because one that takes
     * both strides runs the packed case ~7% slower (eight row bases instead of constant offsets).
     */
    static void tileRows(int kc, float[] a, int ao, int aRow, float[] b, int bo, int bDepth, float[] sums) {
        FloatVector z = V.cast(FloatVector.zero(S));
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        int a0 = ao, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0, q = bo; p < kc; p++, q += bDepth) {
            FloatVector b0 = V.cast(FloatVector.fromArray(S, b, q));
            FloatVector b1 = V.cast(FloatVector.fromArray(S, b, q + L));
            FloatVector x = V.cast(FloatVector.broadcast(S, a[a0 + p]));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = V.cast(FloatVector.broadcast(S, a[a1 + p]));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = V.cast(FloatVector.broadcast(S, a[a2 + p]));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = V.cast(FloatVector.broadcast(S, a[a3 + p]));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = V.cast(FloatVector.broadcast(S, a[a4 + p]));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = V.cast(FloatVector.broadcast(S, a[a5 + p]));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = V.cast(FloatVector.broadcast(S, a[a6 + p]));
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = V.cast(FloatVector.broadcast(S, a[a7 + p]));
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(sums, 0); c01.intoArray(sums, L);
        c10.intoArray(sums, NR); c11.intoArray(sums, NR + L);
        c20.intoArray(sums, 2 * NR); c21.intoArray(sums, 2 * NR + L);
        c30.intoArray(sums, 3 * NR); c31.intoArray(sums, 3 * NR + L);
        c40.intoArray(sums, 4 * NR); c41.intoArray(sums, 4 * NR + L);
        c50.intoArray(sums, 5 * NR); c51.intoArray(sums, 5 * NR + L);
        c60.intoArray(sums, 6 * NR); c61.intoArray(sums, 6 * NR + L);
        c70.intoArray(sums, 7 * NR); c71.intoArray(sums, 7 * NR + L);
    }

    /**
     * {@code C[r, j] = alpha·sums[r·NR + j] + beta·C[r, j]} for the real {@code rows × cols} of a
     * tile at {@code c[co]} (row stride {@code ldc}); {@code beta = 0} does not read C.
     */
    static void store(float[] sums, float[] c, int co, int ldc, int rows, int cols, float alpha, float beta) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j += L) update(sums, r * NR + j, c, co + r * ldc + j, cols - j, alpha, beta);
        }
    }

    /** One vector of a tile row, its first {@code count} lanes (all of them when {@code count ≥ L}). */
    private static void update(float[] sums, int from, float[] c, int at, int count, float alpha, float beta) {
        update(V.cast(FloatVector.fromArray(S, sums, from)), c, at, S.indexInRange(0, count), alpha, beta);
    }

    /** {@code C[at + l] = alpha·sum[l] + beta·C[at + l]} over {@code lanes}; {@code beta = 0} does not read C. */
    static void update(FloatVector sum, float[] c, int at, VectorMask<Float> lanes, float alpha, float beta) {
        FloatVector out = sum.mul(alpha);
        if (beta != 0f) {
            FloatVector old = V.cast(FloatVector.fromArray(S, c, at, lanes));
            out = beta == 1f ? out.add(old) : old.fma(V.cast(FloatVector.broadcast(S, beta)), out);
        }
        out.intoArray(c, at, lanes);
    }
}
