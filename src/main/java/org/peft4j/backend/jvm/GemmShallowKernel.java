package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.GemmMicroKernel.L;
import static org.peft4j.backend.jvm.GemmMicroKernel.S;
import static org.peft4j.backend.jvm.GemmMicroKernel.V;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * GEMM of small depth ({@code k ≤} {@value #MAX_K}: a LoRA up-projection {@code y += s·h·Bᵀ} and its
 * input gradient {@code dx += dh·A}, r = 8), streamed one row of C at a time:
 *
 * <pre>
 *   C[i, :] = alpha·Σ_p A[i, p]·B[p, :] + beta·C[i, :]        rows of B contiguous
 * </pre>
 *
 * B (k·n floats: 12 KiB at r = 8, n = 384) stays in L1 while every row of C is read and written once,
 * in order. Such a product is bound by its pass over C, which the packed kernel makes one MR × NR tile
 * at a time, 2–3× slower on a C that is not in cache. Each element sums its {@code k} products in order
 * from zero and then stores {@code alpha·sum + beta·C}, as the packed kernel does: the same bits.
 */
final class GemmShallowKernel {
    /** Deepest product taken by this kernel (the largest LoRA ranks in use are 8 to 16). */
    static final int MAX_K = 16;
    /** Columns summed at once: four independent chains of k FMAs (one chain alone waits k FMA latencies per vector). */
    private static final int BLOCK = 4 * L;

    private GemmShallowKernel() {}

    /**
     * Rows {@code [i0, i1)} of the {@code n}-column C at {@code c[co]} (row stride {@code ldc}); element
     * {@code (i, p)} of A through its strides, row {@code p} of B at {@code b[bo + p·ldb]}.
     */
    static void rows(GemmOperand a, float[] b, int bo, int ldb, float[] c, int co, int ldc,
                     int i0, int i1, int n, int k, float alpha, float beta) {
        float[] sums = GemmWorkspace.current().tileSums();
        int wide = n - n % BLOCK;
        for (int i = i0; i < i1; i++) {
            int aRow = a.offset() + i * a.rowStride(), cRow = co + i * ldc;
            for (int j = 0; j < wide; j += BLOCK) {
                blockSums(a.data(), aRow, a.colStride(), b, bo + j, ldb, k, sums);
                writeBack(sums, BLOCK, c, cRow + j, alpha, beta);
            }
            for (int j = wide; j < n; j += L) {
                vectorSums(a.data(), aRow, a.colStride(), b, bo + j, ldb, k, n - j, sums);
                writeBack(sums, Math.min(L, n - j), c, cRow + j, alpha, beta);
            }
        }
    }

    // The sums leave through an array, as the micro-kernel's do: the write-back then stays out of the
    // summing loops, which C2 compiles on their own (one method with both outgrew its inlining budget
    // and boxed the accumulators).

    /** {@code sums[0, BLOCK) = Σ_p A[p]·B[p, :BLOCK]}, A's values {@code a[ao + p·aStep]}. */
    private static void blockSums(float[] a, int ao, int aStep, float[] b, int bo, int ldb, int k, float[] sums) {
        FloatVector z = V.cast(FloatVector.zero(S)), s0 = z, s1 = z, s2 = z, s3 = z;
        for (int p = 0, ap = ao, bp = bo; p < k; p++, ap += aStep, bp += ldb) {
            FloatVector x = V.cast(FloatVector.broadcast(S, a[ap]));
            s0 = x.fma(V.cast(FloatVector.fromArray(S, b, bp)), s0);
            s1 = x.fma(V.cast(FloatVector.fromArray(S, b, bp + L)), s1);
            s2 = x.fma(V.cast(FloatVector.fromArray(S, b, bp + 2 * L)), s2);
            s3 = x.fma(V.cast(FloatVector.fromArray(S, b, bp + 3 * L)), s3);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, L);
        s2.intoArray(sums, 2 * L);
        s3.intoArray(sums, 3 * L);
    }

    /** {@code sums[0, L) = Σ_p A[p]·B[p, :L]} over the first {@code count} lanes (zero in the others). */
    private static void vectorSums(float[] a, int ao, int aStep, float[] b, int bo, int ldb, int k, int count, float[] sums) {
        VectorMask<Float> lanes = S.indexInRange(0, count);
        FloatVector s = V.cast(FloatVector.zero(S));
        for (int p = 0, ap = ao, bp = bo; p < k; p++, ap += aStep, bp += ldb) {
            s = V.cast(FloatVector.broadcast(S, a[ap])).fma(V.cast(FloatVector.fromArray(S, b, bp, lanes)), s);
        }
        s.intoArray(sums, 0);
    }

    /** {@code C[at + j] = alpha·sums[j] + beta·C[at + j]} for {@code j < count}. */
    private static void writeBack(float[] sums, int count, float[] c, int at, float alpha, float beta) {
        for (int j = 0; j < count; j += L) {
            GemmMicroKernel.update(V.cast(FloatVector.fromArray(S, sums, j)), c, at + j, S.indexInRange(j, count), alpha, beta);
        }
    }
}
