package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.GemmMicroKernel.MR;
import static org.peft4j.backend.jvm.GemmMicroKernel.NR;

/**
 * The cache-blocked, packed GEMM (GotoBLAS / BLIS loop nest) on one thread:
 *
 * <pre>
 *   for jc in n step NC                      B block kc × nc: packed once per (jc, pc)
 *     for pc in k step KC
 *       pack op(B)[pc.., jc..] into NR-column panels (or read them packed: {@link PackedPanels})
 *       for ic in m step MR                  A micro-panel MR × kc: packed, stays in L1
 *         pack op(A)[ic.., pc..] into one MR-row panel (narrow blocks: read in place, {@link APanel})
 *         for jr in nc step NR               one micro-kernel tile per NR panel
 * </pre>
 *
 * Products one tile wide or one tile tall skip the packing of the operand that only one tile reads.
 *
 * C is updated with {@code beta} on the first {@code pc} block and accumulated after, so every
 * element of C sees the same sequence of operations whichever block of C a thread was given.
 */
final class GemmBlocked {
    /**
     * Depth of one rank-kc update. The A micro-panel (MR·KC floats = 16 KiB) stays in L1; each
     * tile then streams a B panel (KC·NR floats) at 8 bytes per FMA, which L2 or even L3 sustain,
     * and a deep KC means few read-modify-write passes over C. Measured best among 256–768.
     */
    static final int KC = 512;
    /** Columns per packed B block (KC·NC floats = 2 MiB): A is repacked once per block. */
    static final int NC = 1024;

    /**
     * Widest block whose A panels are read in place (where their layout allows) rather than packed:
     * packing pays off once a panel meets many tiles (it streams faster from the packed copy), not for
     * the few of an attention head's {@code Q·Kᵀ}, where it cost as much as the arithmetic.
     */
    static final int IN_PLACE_MAX_NC = 4 * NR;

    private GemmBlocked() {}

    /** {@code C[co + i·ldc + j] = alpha·(op(A)·op(B))[i, j] + beta·C[..]} for an {@code m × n} block, k ≥ 1. */
    static void multiply(GemmOperand a, GemmOperand b, int m, int n, int k, float alpha, float beta,
                         float[] c, int co, int ldc) {
        multiply(a, b, null, m, n, k, alpha, beta, c, co, ldc);
    }

    /**
     * {@link #multiply(GemmOperand, GemmOperand, int, int, int, float, float, float[], int, int) The product},
     * reading op(B)'s panels from {@code packed} where it is not null instead of packing them.
     */
    static void multiply(GemmOperand a, GemmOperand b, PackedPanels packed, int m, int n, int k, float alpha, float beta,
                         float[] c, int co, int ldc) {
        if (packed == null && !packsB(b, m, n)) {
            if (n == NR) oneTileWide(a, b, m, k, alpha, beta, c, co, ldc);
            else oneTileTall(a, b, m, n, k, alpha, beta, c, co, ldc);
            return;
        }
        GemmWorkspace ws = GemmWorkspace.current();
        float[] ap = ws.packedA(MR * Math.min(k, KC));
        float[] sums = ws.tileSums();
        float[] bp = packed != null ? null : ws.packedB(Math.min(k, KC) * roundUp(Math.min(n, NC), NR));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaNow = pc == 0 ? beta : 1f;
                float[] panels = bp;
                int at = 0;
                if (packed == null) {
                    GemmPacking.panels(b.at(pc, jc).transposed(), nc, kc, NR, bp);
                } else {
                    panels = packed.block(pc);
                    at = packed.offset(jc, kc);
                }
                for (int ic = 0; ic < m; ic += MR) {
                    int rows = Math.min(MR, m - ic);
                    APanel panel = APanel.of(a.at(ic, pc), rows, kc, nc <= IN_PLACE_MAX_NC, ap);
                    int cRow = co + ic * ldc + jc;
                    for (int jr = 0; jr < nc; jr += NR) {
                        panel.tile(kc, panels, at + jr * kc, NR, sums);
                        GemmMicroKernel.store(sums, c, cRow + jr, ldc, rows, Math.min(NR, nc - jr), alpha, betaNow);
                    }
                }
            }
        }
    }

    /** Whether an {@code m × n} product packs op(B): one a single tile wide or tall reads a B with contiguous rows in place. */
    static boolean packsB(GemmOperand b, int m, int n) {
        return !(b.rowsContiguous() && (n == NR || m <= MR));
    }

    /**
     * A product exactly one tile wide (an attention head's {@code P·V}, {@code dV = Pᵀ·dO}): each
     * panel of A meets a single tile, so packing costs as much as the tile's arithmetic. The kernel
     * reads B (rows contiguous) in place, and A in place wherever {@link APanel} can. The same sums in
     * the same order.
     */
    private static void oneTileWide(GemmOperand a, GemmOperand b, int m, int k, float alpha, float beta,
                                    float[] c, int co, int ldc) {
        GemmWorkspace ws = GemmWorkspace.current();
        float[] sums = ws.tileSums();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaNow = pc == 0 ? beta : 1f;
            GemmOperand bBlock = b.at(pc, 0);
            float[] ap = ws.packedA(MR * kc);
            for (int ic = 0; ic < m; ic += MR) {
                int rows = Math.min(MR, m - ic);
                APanel.of(a.at(ic, pc), rows, kc, true, ap).tile(kc, bBlock.data(), bBlock.offset(), bBlock.rowStride(), sums);
                GemmMicroKernel.store(sums, c, co + ic * ldc, ldc, rows, NR, alpha, betaNow);
            }
        }
    }

    /**
     * A product at most one tile tall (LoRA's {@code dA = dhᵀ·x} and, transposed, {@code dB}: r = 8
     * rows): each B panel meets a single A panel, so packing B would copy all of it to use it once.
     * Full-width tiles read B (rows contiguous) in place; a last, narrower one is packed. A is read
     * through {@link APanel}.
     */
    private static void oneTileTall(GemmOperand a, GemmOperand b, int m, int n, int k, float alpha, float beta,
                                    float[] c, int co, int ldc) {
        GemmWorkspace ws = GemmWorkspace.current();
        float[] sums = ws.tileSums();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaNow = pc == 0 ? beta : 1f;
            APanel aPanel = APanel.of(a.at(0, pc), m, kc, true, ws.packedA(MR * kc));
            for (int jr = 0; jr < n; jr += NR) {
                int cols = Math.min(NR, n - jr);
                GemmOperand panel = b.at(pc, jr);
                if (cols == NR) {
                    aPanel.tile(kc, panel.data(), panel.offset(), panel.rowStride(), sums);
                } else {
                    float[] bp = ws.packedB(kc * NR);
                    GemmPacking.panels(panel.transposed(), cols, kc, NR, bp);
                    aPanel.tile(kc, bp, 0, NR, sums);
                }
                GemmMicroKernel.store(sums, c, co + jr, ldc, m, cols, alpha, betaNow);
            }
        }
    }

    /**
     * Where a tile reads its MR × kc panel of A: in place when the panel is full and {@code inPlace}
     * allows it (rows adjacent in memory, a transposed A: {@link GemmMicroKernel#tile}; rows
     * contiguous, a row-major A: {@link GemmMicroKernel#tileRows}), else from a packed copy.
     */
    private record APanel(float[] data, int offset, int stride, boolean byRows) {
        static APanel of(GemmOperand panel, int rows, int kc, boolean inPlace, float[] packed) {
            if (inPlace && rows == MR && panel.rowStride() == 1) return new APanel(panel.data(), panel.offset(), panel.colStride(), false);
            if (inPlace && rows == MR && panel.rowsContiguous()) return new APanel(panel.data(), panel.offset(), panel.rowStride(), true);
            GemmPacking.panels(panel, rows, kc, MR, packed);
            return new APanel(packed, 0, MR, false);
        }

        void tile(int kc, float[] b, int bo, int bDepth, float[] sums) {
            if (byRows) GemmMicroKernel.tileRows(kc, data, offset, stride, b, bo, bDepth, sums);
            else GemmMicroKernel.tile(kc, data, offset, stride, b, bo, bDepth, sums);
        }
    }

    static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }
}
