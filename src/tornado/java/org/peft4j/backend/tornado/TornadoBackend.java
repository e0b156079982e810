package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.AttentionScores;
import org.peft4j.backend.EmbeddingIds;
import org.peft4j.backend.DeviceTime;
import org.peft4j.backend.GemmShape;
import org.peft4j.backend.NearestCode;
import org.peft4j.backend.SparseIndices;
import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
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
 * and backward), softmax and attention softmax, layer norm, GELU, axpy, AdamW, the sum of squares
 * behind gradient clipping, the sparse scatter-add and gather of SLTrain weights, and the
 * nearest-code assignment and table-gradient scatter-add of vector quantisation. Every other
 * operation runs on the host, in the JVM backend this class extends. Each device call copies its
 * operands in and its results back (see {@link DeviceCall}), so callers may read and write
 * tensors between calls as on the JVM backend; calls at the same shapes share one compiled kernel.
 */
public final class TornadoBackend extends JvmBackend {
    private static final int TILE = GemmKernel.TILE;
    private static final float[][] NO_SCALARS = new float[0][];

    private final DeviceCalls calls = new DeviceCalls();
    /** Whether each index array seen by {@link #sparseScatterAdd} is free of repeats (supports are fixed, so checked once). */
    private final Map<int[], Boolean> distinctIndices = new WeakHashMap<>();
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
        gemm("gemm", GemmShape.of(ta, tb, a, b, c), ta, tb, alpha, a, b, beta, c);
    }

    @Override
    public void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        gemm("batchedGemm", GemmShape.batched(ta, tb, a, b, c), ta, tb, alpha, a, b, beta, c);
    }

    private void gemm(String kernel, GemmShape s, Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (s.batch() == 0 || s.m() == 0 || s.n() == 0) return;
        DeviceCall call = calls.get(kernel, build -> {
            float[] ad = build.operand(a, DeviceCall.Use.READ), bd = build.operand(b, DeviceCall.Use.READ);
            float[] cd = build.operand(c, DeviceCall.Use.UPDATE);
            return gemmTask(build, "t0", ta, tb, s, ad, bd, cd).build();
        }, s, ta, tb);
        run(call, new float[][] {{alpha, beta}}, a, b, c);
    }

    /** {@code h = x·Aᵀ}, then {@code y += scale·h·Bᵀ}: two kernels in one graph, h passed on the device. */
    @Override
    public void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y) {
        GemmShape down = GemmShape.of(Transpose.N, Transpose.T, x, a, h);
        GemmShape up = GemmShape.of(Transpose.N, Transpose.T, h, b, y);
        if (down.m() == 0) return;
        DeviceCall call = calls.get("loraForward", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), ad = build.operand(a, DeviceCall.Use.READ);
            float[] bd = build.operand(b, DeviceCall.Use.READ), hd = build.operand(h, DeviceCall.Use.WRITE);
            float[] yd = build.operand(y, DeviceCall.Use.UPDATE);
            gemmTask(build, "down", Transpose.N, Transpose.T, down, xd, ad, hd);
            return gemmTask(build, "up", Transpose.N, Transpose.T, up, hd, bd, yd).build();
        }, down, up);
        run(call, new float[][] {{1f, 0f}, {scale, 1f}}, x, a, b, h, y);
    }

    /** {@code dB += scale·dyᵀ·h}, {@code dh = scale·dy·B}, {@code dA += dhᵀ·x}: up to three kernels in one graph. */
    @Override
    public void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB) {
        GemmShape toDh = GemmShape.of(Transpose.N, Transpose.N, dy, b, dh);
        GemmShape toDb = dB == null ? null : GemmShape.of(Transpose.T, Transpose.N, dy, h, dB);
        GemmShape toDa = dA == null ? null : GemmShape.of(Transpose.T, Transpose.N, dh, x, dA);
        if (toDh.m() == 0) return;
        DeviceCall call = calls.get("loraBackward", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), dyd = build.operand(dy, DeviceCall.Use.READ);
            float[] bd = build.operand(b, DeviceCall.Use.READ), hd = build.operand(h, DeviceCall.Use.READ);
            float[] dhd = build.operand(dh, DeviceCall.Use.WRITE);
            float[] dad = dA == null ? null : build.operand(dA, DeviceCall.Use.UPDATE);
            float[] dbd = dB == null ? null : build.operand(dB, DeviceCall.Use.UPDATE);
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
        run(call, scalars.toArray(float[][]::new), operands.toArray());
    }

    /** Adds one {@link GemmKernel} task computing {@code c = α·op(a)·op(b) + β·c} with a fresh {α, β} block. */
    private static DeviceCall.Builder gemmTask(DeviceCall.Builder build, String id, Transpose ta, Transpose tb, GemmShape s,
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
        return build.task(id, g -> g.task(id, GemmKernel::gemm, ctx, a, b, c, dims, alphaBeta), grid);
    }

    // ---- rows and elements ---------------------------------------------------------------

    @Override
    public void softmax(Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int rows = x.rows(), n = x.cols();
        DeviceCall call = calls.get("softmax", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", RowKernels::softmax, xd, yd, rows, n), null).build();
        }, rows, n);
        run(call, NO_SCALARS, x, y);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int rows = y.rows(), n = y.cols();
        DeviceCall call = calls.get("softmaxBackward", build -> {
            float[] yd = build.operand(y, DeviceCall.Use.READ), dyd = build.operand(dy, DeviceCall.Use.READ);
            float[] dxd = build.operand(dx, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", RowKernels::softmaxBackward, yd, dyd, dxd, rows, n), null).build();
        }, rows, n);
        run(call, NO_SCALARS, y, dy, dx);
    }

    @Override
    public void attentionSoftmax(Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p) {
        AttentionScores.check(s, keyMask, p);
        int batch = s.dim(0), heads = s.dim(1), seq = s.dim(2);
        IntTensor mask = keyMask == null ? IntTensor.zeros(1) : keyMask;
        int hasMask = keyMask == null ? 0 : 1, isCausal = causal ? 1 : 0;
        DeviceCall call = calls.get("attentionSoftmax", build -> {
            float[] sd = build.operand(s, DeviceCall.Use.READ);
            int[] md = build.operand(mask, DeviceCall.Use.READ);
            float[] pd = build.operand(p, DeviceCall.Use.WRITE);
            float[] scalar = build.scalars(1);
            return build.task("t0", g -> g.task("t0", RowKernels::attentionSoftmax, sd, md, pd, scalar, batch, heads, seq,
                    hasMask, isCausal), null).build();
        }, batch, heads, seq, hasMask, isCausal);
        run(call, new float[][] {{scale}}, s, mask, p);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        Shapes.require("layerNorm", "beta", beta, n);
        DeviceCall call = calls.get("layerNorm", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), gd = build.operand(gamma, DeviceCall.Use.READ);
            float[] bd = build.operand(beta, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            float[] md = build.operand(mean, DeviceCall.Use.WRITE), rd = build.operand(rstd, DeviceCall.Use.WRITE);
            float[] epsilon = build.scalars(1);
            return build.task("t0", g -> g.task("t0", RowKernels::layerNorm, xd, gd, bd, yd, md, rd, epsilon, rows, n), null).build();
        }, rows, n);
        run(call, new float[][] {{eps}}, x, gamma, beta, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNormBackward", x, gamma, dx, mean, rstd);
        Shapes.requireSameSize("layerNormBackward", x, dy);
        if (dgamma == null || dbeta == null) {
            super.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
            return;
        }
        Shapes.require("layerNormBackward", "dgamma", dgamma, n);
        Shapes.require("layerNormBackward", "dbeta", dbeta, n);
        DeviceCall call = calls.get("layerNormBackward", build -> {
            float[] dyd = build.operand(dy, DeviceCall.Use.READ), xd = build.operand(x, DeviceCall.Use.READ);
            float[] gd = build.operand(gamma, DeviceCall.Use.READ), md = build.operand(mean, DeviceCall.Use.READ);
            float[] rd = build.operand(rstd, DeviceCall.Use.READ), dxd = build.operand(dx, DeviceCall.Use.WRITE);
            float[] dgd = build.operand(dgamma, DeviceCall.Use.UPDATE), dbd = build.operand(dbeta, DeviceCall.Use.UPDATE);
            build.task("columns", g -> g.task("columns", RowKernels::layerNormParameterGradients, dyd, xd, md, rd, dgd, dbd,
                    rows, n), null);
            return build.task("rows", g -> g.task("rows", RowKernels::layerNormInputGradient, dyd, xd, gd, md, rd, dxd,
                    rows, n), null).build();
        }, rows, n);
        run(call, NO_SCALARS, dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
    }

    @Override
    public void gelu(Tensor x, Tensor y) {
        Shapes.requireSameSize("gelu", x, y);
        int size = x.size();
        DeviceCall call = calls.get("gelu", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", ElementKernels::gelu, xd, yd, size), null).build();
        }, size);
        run(call, NO_SCALARS, x, y);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("geluBackward", x, dy);
        Shapes.requireSameSize("geluBackward", x, dx);
        int size = x.size();
        DeviceCall call = calls.get("geluBackward", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), dyd = build.operand(dy, DeviceCall.Use.READ);
            float[] dxd = build.operand(dx, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", ElementKernels::geluBackward, xd, dyd, dxd, size), null).build();
        }, size);
        run(call, NO_SCALARS, x, dy, dx);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Shapes.requireSameSize("axpy", x, y);
        int size = x.size();
        DeviceCall call = calls.get("axpy", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.UPDATE);
            float[] a = build.scalars(1);
            return build.task("t0", g -> g.task("t0", ElementKernels::axpy, xd, yd, a, size), null).build();
        }, size);
        run(call, new float[][] {{alpha}}, x, y);
    }

    /** One work-item per column, tokens in order: deterministic, and the JVM backend's summation order. */
    @Override
    public void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable) {
        EmbeddingIds.check("embeddingScatterAdd", dtable, ids, dout);
        int tokens = ids.size(), width = dtable.cols();
        DeviceCall call = calls.get("embeddingScatterAdd", build -> {
            float[] rd = build.operand(dout, DeviceCall.Use.READ);
            int[] id = build.operand(ids, DeviceCall.Use.READ);
            float[] td = build.operand(dtable, DeviceCall.Use.UPDATE);
            return build.task("t0", g -> g.task("t0", SparseKernels::rowScatterAdd, rd, id, td, tokens, width), null).build();
        }, tokens, dtable.rows(), width);
        run(call, NO_SCALARS, dout, ids, dtable);
    }

    @Override
    public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        int size = param.size();
        DeviceCall call = calls.get("adamW", build -> {
            float[] pd = build.operand(param, DeviceCall.Use.UPDATE), gd = build.operand(grad, DeviceCall.Use.READ);
            float[] md = build.operand(m, DeviceCall.Use.UPDATE), vd = build.operand(v, DeviceCall.Use.UPDATE);
            float[] hyper = build.scalars(6);
            return build.task("t0", g -> g.task("t0", ElementKernels::adamW, pd, gd, md, vd, hyper, size), null).build();
        }, size);
        run(call, new float[][] {{h.beta1(), h.beta2(), 1 - h.lr() * h.weightDecay(), h.lr() / h.biasCorrection1(),
                (float) (1 / Math.sqrt(h.biasCorrection2())), h.eps()}}, param, grad, m, v);
    }

    // ---- sparse entries ------------------------------------------------------------------

    /** On the device when the indices are distinct (an SLTrain support); repeated indices accumulate in k order on the host. */
    @Override
    public void sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense) {
        SparseIndices.check("sparseScatterAdd", values, indices, dense);
        if (!distinctIndices.computeIfAbsent(indices.data(), d -> SparseIndices.distinct(indices))) {
            super.sparseScatterAdd(values, indices, dense);
            return;
        }
        int count = indices.size();
        DeviceCall call = calls.get("sparseScatterAdd", build -> {
            float[] vd = build.operand(values, DeviceCall.Use.READ);
            int[] id = build.operand(indices, DeviceCall.Use.READ);
            float[] dd = build.operand(dense, DeviceCall.Use.UPDATE);
            return build.task("t0", g -> g.task("t0", SparseKernels::scatterAdd, vd, id, dd, count), null).build();
        }, count, dense.size());
        run(call, NO_SCALARS, values, indices, dense);
    }

    @Override
    public void sparseGather(Tensor dense, IntTensor indices, Tensor values) {
        SparseIndices.check("sparseGather", values, indices, dense);
        int count = indices.size();
        DeviceCall call = calls.get("sparseGather", build -> {
            float[] dd = build.operand(dense, DeviceCall.Use.READ);
            int[] id = build.operand(indices, DeviceCall.Use.READ);
            float[] vd = build.operand(values, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", SparseKernels::gather, dd, id, vd, count), null).build();
        }, count, dense.size());
        run(call, NO_SCALARS, dense, indices, values);
    }

    // ---- vector quantisation -------------------------------------------------------------

    /** The cross term {@code −2·x·Cᵀ} by the GEMM kernel, then one work-item per row adds the norms and takes the argmin. */
    @Override
    public void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        NearestCode.check(x, codebook, distances, codes);
        int n = x.rows(), d = x.cols(), k = codebook.rows();
        GemmShape cross = new GemmShape(1, n, k, d);
        DeviceCall call = calls.get("nearestCode", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), cd = build.operand(codebook, DeviceCall.Use.READ);
            float[] dd = build.operand(distances, DeviceCall.Use.WRITE);
            int[] codesOut = build.operand(codes, DeviceCall.Use.WRITE);
            float[] norms = build.scratch(k);
            build.task("norms", g -> g.task("norms", CodebookKernels::rowSquares, cd, norms, k, d), null);
            gemmTask(build, "cross", Transpose.N, Transpose.T, cross, xd, cd, dd);
            return build.task("assign", g -> g.task("assign", CodebookKernels::assign, xd, dd, norms, codesOut, n, k, d), null)
                    .build();
        }, n, k, d);
        run(call, new float[][] {{-2f, 0f}}, x, codebook, distances, codes);
    }

    // ---- reductions --------------------------------------------------------------------

    /** Two passes of {@link ReduceKernels#groupSums}: per-work-group partial sums, then one work-group over them. */
    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        int size = x.size();
        int groups = Math.max(1, Math.min(64, (size + ReduceKernels.GROUP - 1) / ReduceKernels.GROUP));
        DeviceCall call = calls.get("sumOfSquares", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), od = build.operand(out, DeviceCall.Use.WRITE);
            float[] partial = build.scratch(groups);
            KernelContext ctx = new KernelContext();
            WorkerGrid first = new WorkerGrid1D(groups * ReduceKernels.GROUP);
            first.setLocalWork(ReduceKernels.GROUP, 1, 1);
            WorkerGrid second = new WorkerGrid1D(ReduceKernels.GROUP);
            second.setLocalWork(ReduceKernels.GROUP, 1, 1);
            int[] firstShape = build.sizes(size, 1), secondShape = build.sizes(groups, 0);
            build.task("partial", g -> g.task("partial", ReduceKernels::groupSums, ctx, xd, partial, firstShape), first);
            return build.task("finish", g -> g.task("finish", ReduceKernels::groupSums, ctx, partial, od, secondShape),
                    second).build();
        }, size);
        run(call, NO_SCALARS, x, out);
    }

    // ---- plumbing ----------------------------------------------------------------------

    private void run(DeviceCall call, float[][] scalars, Object... operands) {
        TornadoExecutionResult result = call.run(profiled, scalars, operands);
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

    private static int roundUp(int extent) {
        return (extent + TILE - 1) / TILE * TILE;
    }
}
