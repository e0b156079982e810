package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.GemmShape;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid3D;

/** Matrix products on the device: plain and batched GEMM, and the fused LoRA forward and backward ({@link GemmKernel}). */
final class MatrixCalls {
    private static final int TILE = GemmKernel.TILE;

    private final Device device;

    MatrixCalls(Device device) {
        this.device = device;
    }

    void gemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm("gemm", GemmShape.of(ta, tb, a, b, c), ta, tb, alpha, a, b, beta, c);
    }

    void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm("batchedGemm", GemmShape.batched(ta, tb, a, b, c), ta, tb, alpha, a, b, beta, c);
    }

    private void gemm(String kernel, GemmShape s, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (s.batch() == 0 || s.m() == 0 || s.n() == 0) return;
        Device.Call call = device.call(kernel, build -> {
            float[] ad = build.operand(a, Device.Use.READ), bd = build.operand(b, Device.Use.READ);
            float[] cd = build.operand(c, Device.Use.UPDATE);
            return gemmTask(build, "t0", ta, tb, s, ad, bd, cd).build();
        }, s, ta, tb);
        device.run(call, new float[][] {{alpha, beta}}, a, b, c);
    }

    /** {@code h = x·Aᵀ}, then {@code y += scale·h·Bᵀ}: two kernels in one graph, h passed on the device. */
    void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y) {
        GemmShape down = GemmShape.of(Transpose.N, Transpose.T, x, a, h);
        GemmShape up = GemmShape.of(Transpose.N, Transpose.T, h, b, y);
        if (down.m() == 0) return;
        Device.Call call = device.call("loraForward", build -> {
            float[] xd = build.operand(x, Device.Use.READ), ad = build.operand(a, Device.Use.READ);
            float[] bd = build.operand(b, Device.Use.READ), hd = build.operand(h, Device.Use.WRITE);
            float[] yd = build.operand(y, Device.Use.UPDATE);
            gemmTask(build, "down", Transpose.N, Transpose.T, down, xd, ad, hd);
            return gemmTask(build, "up", Transpose.N, Transpose.T, up, hd, bd, yd).build();
        }, down, up);
        device.run(call, new float[][] {{1f, 0f}, {scale, 1f}}, x, a, b, h, y);
    }

    /** {@code dB += scale·dyᵀ·h}, {@code dh = scale·dy·B}, {@code dA += dhᵀ·x}: up to three kernels in one graph. */
    void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB) {
        GemmShape toDh = GemmShape.of(Transpose.N, Transpose.N, dy, b, dh);
        GemmShape toDb = dB == null ? null : GemmShape.of(Transpose.T, Transpose.N, dy, h, dB);
        GemmShape toDa = dA == null ? null : GemmShape.of(Transpose.T, Transpose.N, dh, x, dA);
        if (toDh.m() == 0) return;
        Device.Call call = device.call("loraBackward", build -> {
            float[] xd = build.operand(x, Device.Use.READ), dyd = build.operand(dy, Device.Use.READ);
            float[] bd = build.operand(b, Device.Use.READ), hd = build.operand(h, Device.Use.READ);
            float[] dhd = build.operand(dh, Device.Use.WRITE);
            float[] dad = dA == null ? null : build.operand(dA, Device.Use.UPDATE);
            float[] dbd = dB == null ? null : build.operand(dB, Device.Use.UPDATE);
            if (toDb != null) gemmTask(build, "dB", Transpose.T, Transpose.N, toDb, dyd, hd, dbd);
            gemmTask(build, "dh", Transpose.N, Transpose.N, toDh, dyd, bd, dhd);
            if (toDa != null) gemmTask(build, "dA", Transpose.T, Transpose.N, toDa, dhd, xd, dad);
            return build.build();
        }, toDh, toDb, toDa);
        List<float[]> scalars = new ArrayList<>();
        if (toDb != null) scalars.add(new float[] {scale, 1f});
        scalars.add(new float[] {scale, 0f});
        if (toDa != null) scalars.add(new float[] {1f, 1f});
        List<Tensor> operands = new ArrayList<>(List.of(x, dy, b, h, dh));
        if (dA != null) operands.add(dA);
        if (dB != null) operands.add(dB);
        device.run(call, scalars.toArray(float[][]::new), operands.toArray());
    }

    /** Adds one {@link GemmKernel} task computing {@code c = α·op(a)·op(b) + β·c} with a fresh {α, β} block. */
    static Device.Builder gemmTask(Device.Builder build, String id, Transpose ta, Transpose tb, GemmShape s,
                                               float[] a, float[] b, float[] c) {
        int m = s.m(), n = s.n(), k = s.k();
        int[] dims = build.sizes(m, n, k,
                ta.transposed() ? 1 : k, ta.transposed() ? m : 1, m * k,
                tb.transposed() ? 1 : n, tb.transposed() ? k : 1, k * n,
                m * n);
        float[] alphaBeta = build.scalars(2);
        KernelContext ctx = new KernelContext();
        WorkerGrid grid = new WorkerGrid3D(roundUp(n), roundUp(m), s.batch());
        grid.setLocalWork(TILE, TILE, 1);
        return build.task(id, (g, taskId) -> g.task(taskId, GemmKernel::gemm, ctx, a, b, c, dims, alphaBeta), grid);
    }

    private static int roundUp(int extent) {
        return (extent + TILE - 1) / TILE * TILE;
    }
}
