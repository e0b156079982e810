package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/**
 * Tiled matrix product for TornadoVM, one 16×16 output tile per work-group, staged through
 * local memory. Any transposition is a pair of strides, and a third grid axis walks a batch:
 * <pre>
 *   C[z](i,j) = α·Σ_p A[z](i,p)·B[z](p,j) + β·C[z](i,j)
 *   A[z](i,p) = a[z·aBatch + i·aRow + p·aCol]      (likewise B; C is dense, row stride n)
 * </pre>
 * {@code dims} = {m, n, k, aRow, aCol, aBatch, bRow, bCol, bBatch, cBatch};
 * {@code scalars} = {α, β}; β = 0 ignores C's old values (NaN included). Edge tiles are padded
 * with zeros, so m, n, k need not be multiples of the tile.
 */
public final class GemmKernel {
    public static final int TILE = 16;

    private GemmKernel() {}

    public static void gemm(KernelContext ctx, float[] a, float[] b, float[] c, int[] dims, float[] scalars) {
        int m = dims[0], n = dims[1], k = dims[2];
        int col = ctx.localIdx, row = ctx.localIdy;
        int j = ctx.groupIdx * TILE + col, i = ctx.groupIdy * TILE + row;
        int z = ctx.globalIdz;
        int aBase = z * dims[5], bBase = z * dims[8], cBase = z * dims[9];
        float[] aTile = ctx.allocateFloatLocalArray(TILE * TILE);
        float[] bTile = ctx.allocateFloatLocalArray(TILE * TILE);
        float sum = 0f;
        for (int t = 0; t < k; t += TILE) {
            int pa = t + col, pb = t + row;
            aTile[row * TILE + col] = (i < m && pa < k) ? a[aBase + i * dims[3] + pa * dims[4]] : 0f;
            bTile[row * TILE + col] = (pb < k && j < n) ? b[bBase + pb * dims[6] + j * dims[7]] : 0f;
            ctx.localBarrier();
            for (int q = 0; q < TILE; q++) sum += aTile[row * TILE + q] * bTile[q * TILE + col];
            ctx.localBarrier();
        }
        if (i < m && j < n) {
            int at = cBase + i * n + j;
            float old = scalars[1] == 0f ? 0f : scalars[1] * c[at];
            c[at] = scalars[0] * sum + old;
        }
    }
}
