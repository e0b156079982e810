package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/**
 * Sums in two passes of one kernel, because a work-group barrier synchronises one group only:
 * pass 1 leaves one partial sum per work-group (a grid-stride loop, then a tree in local memory),
 * pass 2 runs a single work-group over the partials.
 * <pre>
 *   pass 1 (squares = 1):  partial[g] = Σ_{i ∈ group g} x[i]²
 *   pass 2 (squares = 0):  out[0]     = Σ_g partial[g]
 * </pre>
 * {@code shape} = {size, squares}.
 */
public final class ReduceKernels {
    public static final int GROUP = 256;

    private ReduceKernels() {}

    public static void groupSums(KernelContext ctx, float[] x, float[] sums, int[] shape) {
        int local = ctx.localIdx;
        float[] tree = ctx.allocateFloatLocalArray(GROUP);
        float acc = 0f;
        for (int i = ctx.globalIdx; i < shape[0]; i += ctx.globalGroupSizeX) {
            float v = x[i];
            acc += shape[1] == 1 ? v * v : v;
        }
        tree[local] = acc;
        for (int half = GROUP / 2; half > 0; half /= 2) {
            ctx.localBarrier();
            if (local < half) tree[local] += tree[local + half];
        }
        if (local == 0) sums[ctx.groupIdx] = tree[0];
    }
}
