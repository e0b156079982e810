package org.peft4j.backend.tornado;

import java.util.function.Function;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.DeviceTime;
import org.peft4j.backend.GemmShape;
import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;

/**
 * {@link org.peft4j.backend.Ops} on a TornadoVM device (OpenCL or PTX). These run as Java kernels
 * that TornadoVM compiles at first use: matrix products (plain, batched, the fused LoRA forward
 * and backward), softmax and attention softmax, layer norm, GELU, AdamW and the sum of squares
 * behind gradient clipping. Every other operation runs on the host, in the JVM backend this
 * class extends. Each device call copies its arrays in and its outputs back (see
 * {@link DeviceCall}), so callers may read and write tensors between calls as on the JVM backend.
 */
public final class TornadoBackend extends JvmBackend {
    private static final int TILE = GemmKernel.TILE;
    private static final int[] NO_MASK = new int[1];

    private final DeviceCalls calls = new DeviceCalls();
    private final String device;
    private boolean profiled;
    private DeviceTime times = DeviceTime.NONE;

    public TornadoBackend(int hostThreads, String device) {
        super(hostThreads);
        this.device = device;
    }

    @Override public String name() { return "tornado"; }

    /** The device the kernels run on, as TornadoVM names it. */
    public String device() { return device; }

    /** Times device calls with TornadoVM's profiler (which adds a little overhead). */
    @Override public void profileDevice(boolean on) { profiled = on; }

    @Override public DeviceTime deviceTime() { return times; }

    @Override public void resetDeviceTime() { times = DeviceTime.NONE; }

    /** Number of compiled device calls held (one per operation, buffers and sizes). */
    public int compiledCalls() { return calls.size(); }

    @Override
    public void close() {
        calls.close();
        super.close();
    }

    // ---- matrix products ------------------------------------------------------------------

    @Override
    public void gemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape s = GemmShape.of(ta, tb, a, b, c);
        if (s.m() == 0 || s.n() == 0) return;
        DeviceCall call = calls.get("gemm", build -> gemmTask(build.reads(a.data(), b.data()).writes(c.data()), "t0",
                ta, tb, s, a, b, c).build(), a.data(), b.data(), c.data(), ta, tb, s, a.offset(), b.offset(), c.offset());
        run(call, new float[][] {{alpha, beta}});
    }

    @Override
    public void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmShape s = GemmShape.batched(ta, tb, a, b, c);
        if (s.batch() == 0 || s.m() == 0 || s.n() == 0) return;
        DeviceCall call = calls.get("batchedGemm", build -> gemmTask(build.reads(a.data(), b.data()).writes(c.data()), "t0",
                ta, tb, s, a, b, c).build(), a.data(), b.data(), c.data(), ta, tb, s, a.offset(), b.offset(), c.offset());
        run(call, new float[][] {{alpha, beta}});
    }

    /** {@code h = x·Aᵀ}, then {@code y += scale·h·Bᵀ}: two kernels in one graph, h shared on the device. */
    @Override
    public void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y) {
        GemmShape down = GemmShape.of(Transpose.N, Transpose.T, x, a, h);
        GemmShape up = GemmShape.of(Transpose.N, Transpose.T, h, b, y);
        if (down.m() == 0) return;
        DeviceCall call = calls.get("loraForward", build -> {
            build.reads(x.data(), a.data(), b.data()).writes(h.data(), y.data());
            gemmTask(build, "down", Transpose.N, Transpose.T, down, x, a, h);
            return gemmTask(build, "up", Transpose.N, Transpose.T, up, h, b, y).build();
        }, x.data(), a.data(), b.data(), h.data(), y.data(), down, up, x.offset(), a.offset(), b.offset(), h.offset(), y.offset());
        run(call, new float[][] {{1f, 0f}, {scale, 1f}});
    }

    /** {@code dB += scale·dyᵀ·h}, {@code dh = scale·dy·B}, {@code dA += dhᵀ·x}: up to three kernels in one graph. */
    @Override
    public void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB) {
        GemmShape toDh = GemmShape.of(Transpose.N, Transpose.N, dy, b, dh);
        GemmShape toDb = dB == null ? null : GemmShape.of(Transpose.T, Transpose.N, dy, h, dB);
        GemmShape toDa = dA == null ? null : GemmShape.of(Transpose.T, Transpose.N, dh, x, dA);
        if (toDh.m() == 0) return;
        Function<DeviceCall.Builder, DeviceCall> build = builder -> {
            builder.reads(x.data(), dy.data(), b.data(), h.data()).writes(dh.data(), dA == null ? null : dA.data(),
                    dB == null ? null : dB.data());
            if (toDb != null) gemmTask(builder, "dB", Transpose.T, Transpose.N, toDb, dy, h, dB);
            gemmTask(builder, "dh", Transpose.N, Transpose.N, toDh, dy, b, dh);
            if (toDa != null) gemmTask(builder, "dA", Transpose.T, Transpose.N, toDa, dh, x, dA);
            return builder.build();
        };
        DeviceCall call = calls.get("loraBackward", build, x.data(), dy.data(), b.data(), h.data(), dh.data(),
                dA == null ? null : dA.data(), dB == null ? null : dB.data(), toDh, toDb, toDa,
                x.offset(), dy.offset(), b.offset(), h.offset(), dh.offset(), dA == null ? 0 : dA.offset(), dB == null ? 0 : dB.offset());
        float[][] scalars = toDb == null ? new float[][] {{scale, 0f}} : new float[][] {{scale, 1f}, {scale, 0f}};
        if (toDa != null) scalars = append(scalars, new float[] {1f, 1f});
        run(call, scalars);
    }

    /** Adds one {@link GemmKernel} task computing {@code c = α·op(a)·op(b) + β·c} with a fresh {α, β} block. */
    private static DeviceCall.Builder gemmTask(DeviceCall.Builder build, String id, Transpose ta, Transpose tb, GemmShape s,
                                               Tensor a, Tensor b, Tensor c) {
        int m = s.m(), n = s.n(), k = s.k();
        int[] dims = build.shape(m, n, k,
                a.offset(), ta.transposed() ? 1 : k, ta.transposed() ? m : 1, m * k,
                b.offset(), tb.transposed() ? 1 : n, tb.transposed() ? k : 1, k * n,
                c.offset(), m * n);
        float[] alphaBeta = build.scalars(2);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        KernelContext ctx = new KernelContext();
        WorkerGrid grid = new WorkerGrid3D(roundUp(n), roundUp(m), s.batch());
        grid.setLocalWork(TILE, TILE, 1);
        return build.task(id, g -> g.task(id, GemmKernel::gemm, ctx, ad, bd, cd, dims, alphaBeta), grid);
    }

    // ---- rows and elements ---------------------------------------------------------------

    @Override
    public void softmax(Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int rows = x.rows(), n = x.cols();
        DeviceCall call = calls.get("softmax", build -> build.reads(x.data()).writes(y.data())
                .task("t0", g -> g.task("t0", RowKernels::softmax, x.data(), y.data(), rows, n, x.offset(), y.offset()), null)
                .build(), x.data(), y.data(), rows, n, x.offset(), y.offset());
        run(call, new float[0][]);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int rows = y.rows(), n = y.cols();
        DeviceCall call = calls.get("softmaxBackward", build -> {
            int[] offsets = build.shape(y.offset(), dy.offset(), dx.offset());
            return build.reads(y.data(), dy.data()).writes(dx.data()).task("t0", g -> g.task("t0",
                    RowKernels::softmaxBackward, y.data(), dy.data(), dx.data(), rows, n, offsets), null).build();
        }, y.data(), dy.data(), dx.data(), rows, n, y.offset(), dy.offset(), dx.offset());
        run(call, new float[0][]);
    }

    @Override
    public void attentionSoftmax(Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p) {
        Shapes.check(s.rank() == 4 && s.dim(2) == s.dim(3), "attentionSoftmax", "scores must be [B, H, S, S]", s, p);
        Shapes.requireSameSize("attentionSoftmax", s, p);
        int batch = s.dim(0), heads = s.dim(1), seq = s.dim(2);
        if (keyMask != null && (keyMask.shape().length != 2 || keyMask.dim(0) != batch || keyMask.dim(1) != seq)) {
            throw new ShapeException("attentionSoftmax: key mask " + keyMask + " does not match scores "
                    + java.util.Arrays.toString(s.shape()) + ", expected IntTensor[" + batch + ", " + seq + "]");
        }
        int[] mask = keyMask == null ? NO_MASK : keyMask.data();
        int hasMask = keyMask == null ? 0 : 1, isCausal = causal ? 1 : 0;
        DeviceCall call = calls.get("attentionSoftmax", build -> {
            float[] scalar = build.scalars(1);
            return build.reads(s.data(), mask).writes(p.data()).task("t0", g -> g.task("t0", RowKernels::attentionSoftmax,
                    s.data(), mask, p.data(), scalar, batch, heads, seq, hasMask, isCausal, s.offset(), p.offset()), null).build();
        }, s.data(), mask, p.data(), batch, heads, seq, hasMask, isCausal, s.offset(), p.offset());
        run(call, new float[][] {{scale}});
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        Shapes.require("layerNorm", "beta", beta, n);
        DeviceCall call = calls.get("layerNorm", build -> {
            int[] offsets = build.shape(x.offset(), gamma.offset(), beta.offset(), y.offset(), mean.offset(), rstd.offset());
            float[] epsilon = build.scalars(1);
            return build.reads(x.data(), gamma.data(), beta.data()).writes(y.data(), mean.data(), rstd.data())
                    .task("t0", g -> g.task("t0", RowKernels::layerNorm, x.data(), gamma.data(), beta.data(), y.data(),
                            mean.data(), rstd.data(), epsilon, rows, n, offsets), null).build();
        }, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), rows, n,
                x.offset(), gamma.offset(), beta.offset(), y.offset(), mean.offset(), rstd.offset());
        run(call, new float[][] {{eps}});
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNormBackward", x, gamma, dx, mean, rstd);
        Shapes.requireSameSize("layerNormBackward", x, dy);
        if (dgamma != null) Shapes.require("layerNormBackward", "dgamma", dgamma, n);
        if (dbeta != null) Shapes.require("layerNormBackward", "dbeta", dbeta, n);
        if (dgamma == null || dbeta == null) {
            super.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
            return;
        }
        DeviceCall call = calls.get("layerNormBackward", build -> {
            int[] rowOffsets = build.shape(dy.offset(), x.offset(), gamma.offset(), mean.offset(), rstd.offset(), dx.offset());
            int[] columnOffsets = build.shape(dy.offset(), x.offset(), mean.offset(), rstd.offset(), dgamma.offset(), dbeta.offset());
            build.reads(dy.data(), x.data(), gamma.data(), mean.data(), rstd.data()).writes(dgamma.data(), dbeta.data(), dx.data());
            build.task("columns", g -> g.task("columns", RowKernels::layerNormParameterGradients, dy.data(), x.data(),
                    mean.data(), rstd.data(), dgamma.data(), dbeta.data(), rows, n, columnOffsets), null);
            return build.task("rows", g -> g.task("rows", RowKernels::layerNormInputGradient, dy.data(), x.data(),
                    gamma.data(), mean.data(), rstd.data(), dx.data(), rows, n, rowOffsets), null).build();
        }, dy.data(), x.data(), gamma.data(), mean.data(), rstd.data(), dx.data(), dgamma.data(), dbeta.data(), rows, n,
                dy.offset(), x.offset(), gamma.offset(), mean.offset(), rstd.offset(), dx.offset(), dgamma.offset(), dbeta.offset());
        run(call, new float[0][]);
    }

    @Override
    public void gelu(Tensor x, Tensor y) {
        Shapes.requireSameSize("gelu", x, y);
        int size = x.size();
        DeviceCall call = calls.get("gelu", build -> build.reads(x.data()).writes(y.data())
                .task("t0", g -> g.task("t0", ElementKernels::gelu, x.data(), y.data(), size, x.offset(), y.offset()), null)
                .build(), x.data(), y.data(), size, x.offset(), y.offset());
        run(call, new float[0][]);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("geluBackward", x, dy);
        Shapes.requireSameSize("geluBackward", x, dx);
        int size = x.size();
        DeviceCall call = calls.get("geluBackward", build -> build.reads(x.data(), dy.data()).writes(dx.data())
                .task("t0", g -> g.task("t0", ElementKernels::geluBackward, x.data(), dy.data(), dx.data(), size,
                        x.offset(), dy.offset(), dx.offset()), null)
                .build(), x.data(), dy.data(), dx.data(), size, x.offset(), dy.offset(), dx.offset());
        run(call, new float[0][]);
    }

    @Override
    public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        int size = param.size();
        DeviceCall call = calls.get("adamW", build -> {
            int[] offsets = build.shape(param.offset(), grad.offset(), m.offset(), v.offset());
            float[] hyper = build.scalars(6);
            return build.reads(grad.data()).writes(param.data(), m.data(), v.data()).task("t0", g -> g.task("t0",
                    ElementKernels::adamW, param.data(), grad.data(), m.data(), v.data(), hyper, size, offsets), null).build();
        }, param.data(), grad.data(), m.data(), v.data(), size, param.offset(), grad.offset(), m.offset(), v.offset());
        run(call, new float[][] {{h.beta1(), h.beta2(), 1 - h.lr() * h.weightDecay(), h.lr() / h.biasCorrection1(),
                (float) (1 / Math.sqrt(h.biasCorrection2())), h.eps()}});
    }

    // ---- reductions --------------------------------------------------------------------

    /** Two passes: per-work-group partial sums, then one work-group over the partials. */
    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        int size = x.size();
        int groups = Math.max(1, Math.min(64, (size + ReduceKernels.GROUP - 1) / ReduceKernels.GROUP));
        DeviceCall call = calls.get("sumOfSquares", build -> {
            float[] partial = new float[groups];
            KernelContext ctx = new KernelContext();
            WorkerGrid first = new WorkerGrid1D(groups * ReduceKernels.GROUP);
            first.setLocalWork(ReduceKernels.GROUP, 1, 1);
            WorkerGrid second = new WorkerGrid1D(ReduceKernels.GROUP);
            second.setLocalWork(ReduceKernels.GROUP, 1, 1);
            int[] firstShape = build.shape(size, x.offset(), 0, 1), secondShape = build.shape(groups, 0, out.offset(), 0);
            build.reads(x.data()).writes(partial, out.data());
            build.task("partial", g -> g.task("partial", ReduceKernels::groupSums, ctx, x.data(), partial, firstShape), first);
            return build.task("finish", g -> g.task("finish", ReduceKernels::groupSums, ctx, partial, out.data(), secondShape),
                    second).build();
        }, x.data(), out.data(), size, x.offset(), out.offset());
        run(call, new float[0][]);
    }

    // ---- plumbing ----------------------------------------------------------------------

    private void run(DeviceCall call, float[][] scalars) {
        for (int i = 0; i < scalars.length; i++) System.arraycopy(scalars[i], 0, call.scalars(i), 0, scalars[i].length);
        TornadoExecutionResult result = call.run(profiled);
        if (profiled) {
            TornadoProfilerResult p = result.getProfilerResult();
            times = times.plus(p.getDeviceWriteTime(), p.getDeviceReadTime(), p.getDeviceKernelTime(), p.getTotalTime());
        }
    }

    private static void requireLayerNorm(String op, Tensor x, Tensor gamma, Tensor y, Tensor mean, Tensor rstd) {
        int n = x.cols();
        Shapes.requireSameSize(op, x, y);
        Shapes.require(op, "gamma", gamma, n);
        Shapes.require(op, "mean", mean, x.rows());
        Shapes.require(op, "rstd", rstd, x.rows());
    }

    private static float[][] append(float[][] blocks, float[] block) {
        float[][] out = java.util.Arrays.copyOf(blocks, blocks.length + 1);
        out[blocks.length] = block;
        return out;
    }

    private static int roundUp(int extent) {
        return (extent + TILE - 1) / TILE * TILE;
    }
}
