package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.GemmMicroKernel.MR;
import static org.peft4j.backend.jvm.GemmMicroKernel.NR;

import java.util.Arrays;
import org.peft4j.backend.GemmShape;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * {@code C = alpha·op(A)·op(B) + beta·C} on the JVM, row-major, {@code op(X)} = X or Xᵀ.
 * {@code beta = 0} overwrites C without reading it; {@code alpha = 0} or {@code k = 0} only scales C
 * (A and B are not read, as in BLAS).
 *
 * <p>Products wider than {@link #DOT_MAX_N} columns, or whose A rows are not contiguous, run on the
 * packed, cache-blocked kernel ({@link GemmBlocked}); narrow ones with contiguous A rows run as dot
 * products ({@link GemmDotKernel}). A narrow product with a transposed A and more rows than columns
 * (LoRA's {@code dB = dyᵀ·h}, {@code n = r}) is computed as {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}, whose
 * {@code r} rows fill the packed kernel's tiles instead of {@code r} of its 32 columns. Wider products
 * of depth at most {@value GemmShallowKernel#MAX_K} (LoRA's up-projection and input gradient) stream
 * through C row by row ({@link GemmShallowKernel}). Large products are split over threads into
 * contiguous blocks of whole C tiles or rows (never along k), so every element of C is computed by the
 * same operations whatever the thread count: results are bitwise reproducible.
 */
final class Gemm {
    /** Multiply-adds below which a product runs on the calling thread alone (about 1M multiply-adds, ~10 µs on one thread: a fork and join costs up to ~25 µs after the workers have parked). */
    static final long PARALLEL_WORK = 1L << 21;
    /** Widest output taken by the dot-product path; wider ones fill the packed kernel's tiles. */
    static final int DOT_MAX_N = 16;

    private Gemm() {}

    static void gemm(Parallel pool, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm(pool, ta, tb, alpha, a, b, beta, c, null);
    }

    /**
     * {@link #gemm} whose op(B) does not change between calls: where the product runs packed, its
     * panels come from {@code constantB} (packed on first use) instead of being packed by each thread
     * at each call. {@code constantB} null: pack as usual.
     */
    static void gemm(Parallel pool, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c,
                     ConstantPanels constantB) {
        GemmShape d = GemmShape.of(ta, tb, a, b, c);
        multiply(pool, true, GemmOperand.of(a, ta), GemmOperand.of(b, tb), constantB, d, alpha, beta, c.data(), c.offset());
    }

    /**
     * One product per index of the leading axis. Many small products (attention heads) are shared
     * out whole between threads; a few large ones are each split like {@link #gemm}.
     */
    static void batched(Parallel pool, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape d = GemmShape.batched(ta, tb, a, b, c);
        int batch = d.batch();
        if (batch == 0) return;
        int threads = pool.threads();
        long work = d.work();
        boolean wholeProducts = threads > 1 && batch >= threads
                && (work < PARALLEL_WORK || batch % threads == 0 || batch >= 4 * threads);
        boolean fork = wholeProducts && work * batch >= PARALLEL_WORK;
        int aSize = a.dim(1) * a.dim(2), bSize = b.dim(1) * b.dim(2), cSize = c.dim(1) * c.dim(2);
        GemmOperand a0 = GemmOperand.of(a.slice(0, 1).reshape(a.dim(1), a.dim(2)), ta);
        GemmOperand b0 = GemmOperand.of(b.slice(0, 1).reshape(b.dim(1), b.dim(2)), tb);
        Parallel.RangeBody products = (from, to) -> {
            for (int i = from; i < to; i++) {
                multiply(pool, !wholeProducts, a0.shifted(i * aSize), b0.shifted(i * bSize), null, d, alpha, beta,
                        c.data(), c.offset() + i * cSize);
            }
        };
        if (fork) pool.forChunks(batch, threads, products);
        else products.run(0, batch);
    }

    /**
     * The product into the dense {@code m × n} block of C at {@code c[co]}; forks only if {@code mayFork};
     * packed, it reads op(B)'s panels from {@code constantB} unless that is null.
     */
    private static void multiply(Parallel pool, boolean mayFork, GemmOperand a, GemmOperand b, ConstantPanels constantB,
                                 GemmShape d, float alpha, float beta, float[] c, int co) {
        int m = d.m(), n = d.n(), k = d.k();
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(c, co, m * n, beta);
            return;
        }
        int parts = mayFork && d.work() >= PARALLEL_WORK ? pool.threads() : 1;
        if (!a.rowsContiguous() && n <= DOT_MAX_N && m > n) {
            float[] t = new float[n * m];
            multiply(pool, mayFork, b.transposed(), a.transposed(), null, new GemmShape(1, n, m, k), 1f, 0f, t, 0);
            addTransposed(t, m, n, alpha, beta, c, co);
        } else if (a.rowsContiguous() && n <= DOT_MAX_N) {
            GemmOperand rowsOfB = withContiguousRows(b.transposed(), n, k);
            pool.forChunks(tiles(m, GemmDotKernel.RI), parts, (t0, t1) -> GemmDotKernel.rows(
                    a.data(), a.offset(), a.rowStride(), rowsOfB.data(), rowsOfB.offset(), rowsOfB.rowStride(),
                    c, co, n, t0 * GemmDotKernel.RI, Math.min(m, t1 * GemmDotKernel.RI), n, k, alpha, beta));
        } else if (k <= GemmShallowKernel.MAX_K) {
            GemmOperand rowsOfB = withContiguousRows(b, k, n);
            pool.forChunks(m, parts, (i0, i1) -> GemmShallowKernel.rows(
                    a, rowsOfB.data(), rowsOfB.offset(), rowsOfB.rowStride(), c, co, n, i0, i1, n, k, alpha, beta));
        } else {
            PackedPanels packed = constantB != null && GemmBlocked.packsB(b, m, n) ? constantB.of(b, n, k) : null;
            if (n >= m && tiles(n, NR) >= parts) {
                pool.forChunks(tiles(n, NR), parts, (t0, t1) -> {
                    int j0 = t0 * NR, j1 = Math.min(n, t1 * NR);
                    GemmBlocked.multiply(a, b.at(0, j0), packed == null ? null : packed.from(j0), m, j1 - j0, k,
                            alpha, beta, c, co + j0, n);
                });
            } else {
                pool.forChunks(tiles(m, MR), parts, (t0, t1) -> {
                    int i0 = t0 * MR, i1 = Math.min(m, t1 * MR);
                    GemmBlocked.multiply(a.at(i0, 0), b, packed, i1 - i0, n, k, alpha, beta, c, co + i0 * n, n);
                });
            }
        }
    }

    /** {@code x} ({@code rows × cols}) itself if its rows are contiguous, else a dense row-major copy in this thread's workspace. */
    private static GemmOperand withContiguousRows(GemmOperand x, int rows, int cols) {
        if (x.rowsContiguous()) return x;
        float[] dense = GemmWorkspace.current().packedB(rows * cols);
        GemmPacking.rowMajor(x, rows, cols, dense);
        return new GemmOperand(dense, 0, cols, 1);
    }

    /** {@code C[i, j] = alpha·T[j, i] + beta·C[i, j]} for the dense {@code m × n} C and {@code n × m} T. */
    private static void addTransposed(float[] t, int m, int n, float alpha, float beta, float[] c, int co) {
        for (int i = 0; i < m; i++) {
            for (int j = 0, to = co + i * n; j < n; j++, to++) {
                float product = alpha * t[j * m + i];
                c[to] = beta == 0f ? product : beta == 1f ? product + c[to] : Math.fma(c[to], beta, product);
            }
        }
    }

    private static int tiles(int extent, int tile) {
        return (extent + tile - 1) / tile;
    }

    private static void scale(float[] c, int from, int count, float beta) {
        if (beta == 0f) Arrays.fill(c, from, from + count, 0f);
        else if (beta != 1f) for (int i = from; i < from + count; i++) c[i] *= beta;
    }
}
