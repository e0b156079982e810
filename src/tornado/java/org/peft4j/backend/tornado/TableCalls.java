package org.peft4j.backend.tornado;

import java.util.Map;
import java.util.WeakHashMap;
import org.peft4j.backend.EmbeddingIds;
import org.peft4j.backend.GemmShape;
import org.peft4j.backend.NearestCode;
import org.peft4j.backend.SparseIndices;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Indexed work on the device: SLTrain's sparse scatter-add and gather, table lookups and their
 * gradient, and nearest-code assignment ({@link SparseKernels}, {@link CodebookKernels}).
 */
final class TableCalls {
    /** Whether each index array seen by {@link #sparseScatterAdd} is free of repeats (supports are fixed, so checked once). */
    private final Map<int[], Boolean> distinctIndices = new WeakHashMap<>();
    private final Device device;

    TableCalls(Device device) {
        this.device = device;
    }

    /** On the device when the indices are distinct (an SLTrain support); false, with nothing done, when some repeat. */
    boolean sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense) {
        SparseIndices.check("sparseScatterAdd", values, indices, dense);
        if (!distinctIndices.computeIfAbsent(indices.data(), d -> SparseIndices.distinct(indices))) return false;
        int count = indices.size();
        Device.Call call = device.call("sparseScatterAdd", build -> {
            float[] vd = build.operand(values, Device.Use.READ);
            int[] id = build.operand(indices, Device.Use.READ);
            float[] dd = build.operand(dense, Device.Use.UPDATE);
            return build.task("t0", (g, taskId) -> g.task(taskId, SparseKernels::scatterAdd, vd, id, dd, count), null).build();
        }, count, dense.size());
        device.run(call, Device.NO_SCALARS, values, indices, dense);
        return true;
    }

    void sparseGather(Tensor dense, IntTensor indices, Tensor values) {
        SparseIndices.check("sparseGather", values, indices, dense);
        int count = indices.size();
        Device.Call call = device.call("sparseGather", build -> {
            float[] dd = build.operand(dense, Device.Use.READ);
            int[] id = build.operand(indices, Device.Use.READ);
            float[] vd = build.operand(values, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, SparseKernels::gather, dd, id, vd, count), null).build();
        }, count, dense.size());
        device.run(call, Device.NO_SCALARS, dense, indices, values);
    }

    void embeddingGather(Tensor table, IntTensor ids, Tensor out) {
        EmbeddingIds.check("embeddingGather", table, ids, out);
        int tokens = ids.size(), width = table.cols(), rows = table.rows();
        Device.Call call = device.call("embeddingGather", build -> {
            float[] td = build.operand(table, Device.Use.READ);
            int[] id = build.operand(ids, Device.Use.READ);
            float[] od = build.operand(out, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, SparseKernels::rowGather, td, id, od, tokens, width, rows), null).build();
        }, tokens, rows, width);
        device.run(call, Device.NO_SCALARS, table, ids, out);
    }

    /** One work-item per column, tokens in order: deterministic, and the JVM backend's summation order. */
    void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable) {
        EmbeddingIds.check("embeddingScatterAdd", dtable, ids, dout);
        int tokens = ids.size(), width = dtable.cols();
        Device.Call call = device.call("embeddingScatterAdd", build -> {
            float[] rd = build.operand(dout, Device.Use.READ);
            int[] id = build.operand(ids, Device.Use.READ);
            float[] td = build.operand(dtable, Device.Use.UPDATE);
            return build.task("t0", (g, taskId) -> g.task(taskId, SparseKernels::rowScatterAdd, rd, id, td, tokens, width), null).build();
        }, tokens, dtable.rows(), width);
        device.run(call, Device.NO_SCALARS, dout, ids, dtable);
    }

    /** The cross term {@code −2·x·Cᵀ} by the GEMM kernel, then one work-item per row adds the norms and takes the argmin. */
    void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        NearestCode.check(x, codebook, distances, codes);
        int n = x.rows(), d = x.cols(), k = codebook.rows();
        GemmShape cross = new GemmShape(1, n, k, d);
        Device.Call call = device.call("nearestCode", build -> {
            float[] xd = build.operand(x, Device.Use.READ), cd = build.operand(codebook, Device.Use.READ);
            float[] dd = build.operand(distances, Device.Use.WRITE);
            int[] codesOut = build.operand(codes, Device.Use.WRITE);
            float[] norms = build.scratch(k);
            build.task("norms", (g, taskId) -> g.task(taskId, CodebookKernels::rowSquares, cd, norms, k, d), null);
            MatrixCalls.gemmTask(build, "cross", Transpose.N, Transpose.T, cross, xd, cd, dd);
            return build.task("assign", (g, taskId) -> g.task(taskId, CodebookKernels::assign, xd, dd, norms, codesOut, n, k, d), null)
                    .build();
        }, n, k, d);
        device.run(call, new float[][] {{-2f, 0f}}, x, codebook, distances, codes);
    }
}
