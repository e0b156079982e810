package org.peft4j.backend.tornado;

import java.util.Arrays;
import java.util.function.Function;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.DropoutMasks;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;

/**
 * Element-wise work on the device ({@link ElementKernels}): GELU, sums, copies, fills, bias add and
 * gradient, dropout, axpy and AdamW; and the two-pass sum of squares ({@link ReduceKernels}).
 */
final class ElementCalls {
    private final Device device;

    ElementCalls(Device device) {
        this.device = device;
    }

    void gelu(Tensor x, Tensor y) {
        Shapes.requireSameSize("gelu", x, y);
        int size = x.size();
        Device.Call call = device.call("gelu", build -> {
            float[] xd = build.operand(x, Device.Use.READ), yd = build.operand(y, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::gelu, xd, yd, size), null).build();
        }, size);
        device.run(call, Device.NO_SCALARS, x, y);
    }

    void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("geluBackward", x, dy);
        Shapes.requireSameSize("geluBackward", x, dx);
        int size = x.size();
        Device.Call call = device.call("geluBackward", build -> {
            float[] xd = build.operand(x, Device.Use.READ), dyd = build.operand(dy, Device.Use.READ);
            float[] dxd = build.operand(dx, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::geluBackward, xd, dyd, dxd, size), null).build();
        }, size);
        device.run(call, Device.NO_SCALARS, x, dy, dx);
    }

    void add(Tensor a, Tensor b, Tensor out) {
        Shapes.requireSameSize("add", a, b);
        Shapes.requireSameSize("add", a, out);
        int size = a.size();
        Device.Call call = device.call("add", build -> {
            float[] ad = build.operand(a, Device.Use.READ), bd = build.operand(b, Device.Use.READ);
            float[] od = build.operand(out, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::add, ad, bd, od, size), null).build();
        }, size);
        device.run(call, Device.NO_SCALARS, a, b, out);
    }

    void addBias(Tensor x, Tensor bias) {
        int size = x.size(), n = x.cols();
        Shapes.require("addBias", "bias", bias, n);
        Device.Call call = device.call("addBias", build -> {
            float[] xd = build.operand(x, Device.Use.UPDATE), bd = build.operand(bias, Device.Use.READ);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::addBias, xd, bd, size, n), null).build();
        }, size, n);
        device.run(call, Device.NO_SCALARS, x, bias);
    }

    void biasGradient(Tensor dy, Tensor dbias) {
        int rows = dy.rows(), n = dy.cols();
        Shapes.require("biasGradient", "dbias", dbias, n);
        Device.Call call = device.call("biasGradient", build -> {
            float[] dyd = build.operand(dy, Device.Use.READ), dbd = build.operand(dbias, Device.Use.UPDATE);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::biasGradient, dyd, dbd, rows, n), null).build();
        }, rows, n);
        device.run(call, Device.NO_SCALARS, dy, dbias);
    }

    void copy(Tensor src, Tensor dst) {
        Shapes.requireSameSize("copy", src, dst);
        int size = src.size();
        Device.Call call = device.call("copy", build -> {
            float[] sd = build.operand(src, Device.Use.READ), dd = build.operand(dst, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::copy, sd, dd, size), null).build();
        }, size);
        device.run(call, Device.NO_SCALARS, src, dst);
    }

    void fill(Tensor x, float value) {
        int size = x.size();
        Device.Call call = device.call("fill", build -> {
            float[] xd = build.operand(x, Device.Use.WRITE);
            float[] v = build.scalars(1);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::fill, xd, v, size), null).build();
        }, size);
        device.run(call, new float[][] {{value}}, x);
    }

    /**
     * Forward and backward alike: the same mask, regenerated from {@code seed} = {seed, step} and the
     * site; p, 1/(1−p) and the site travel as scalars, so every site shares one compiled call.
     */
    void dropout(Tensor x, float p, IntTensor seed, int site, Tensor y) {
        DropoutMasks.check(x, p, seed, y);
        int size = x.size();
        Device.Call call = device.call("dropout", build -> {
            float[] xd = build.operand(x, Device.Use.READ);
            int[] sd = build.operand(seed, Device.Use.READ);
            float[] yd = build.operand(y, Device.Use.WRITE);
            float[] h = build.scalars(3);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::dropout, xd, sd, yd, h, size), null).build();
        }, size);
        device.run(call, new float[][] {{p, 1f / (1f - p), site}}, x, seed, y);
    }

    void axpy(float alpha, Tensor x, Tensor y) {
        Shapes.requireSameSize("axpy", x, y);
        int size = x.size();
        Device.Call call = device.call("axpy", build -> {
            float[] xd = build.operand(x, Device.Use.READ), yd = build.operand(y, Device.Use.UPDATE);
            float[] a = build.scalars(1);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::axpy, xd, yd, a, size), null).build();
        }, size);
        device.run(call, new float[][] {{alpha}}, x, y);
    }

    /** The per-call form: the hyper-parameters as scalars, no clipping (a zero norm² and maxNorm). */
    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Device.Call call = adamWCall("adamW", param, grad, m, v, build -> build.scalars(AdamW.TENSOR_SIZE), build -> build.scratch(1));
        float[] hyper = Arrays.copyOf(h.kernelConstants(), AdamW.TENSOR_SIZE);
        device.run(call, new float[][] {hyper}, param, grad, m, v);
    }

    /** The recordable form: hyper-parameters and norm² read from tensors, which a resident plan takes in or computes. */
    void clippedAdamW(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor hyper, Tensor gradNormSquared) {
        Shapes.require("clippedAdamW", "hyper", hyper, AdamW.TENSOR_SIZE);
        Shapes.require("clippedAdamW", "gradNormSquared", gradNormSquared, 1);
        Device.Call call = adamWCall("clippedAdamW", param, grad, m, v,
                build -> build.operand(hyper, Device.Use.READ), build -> build.operand(gradNormSquared, Device.Use.READ));
        device.run(call, Device.NO_SCALARS, param, grad, m, v, hyper, gradNormSquared);
    }

    private Device.Call adamWCall(String op, Tensor param, Tensor grad, Tensor m, Tensor v,
                                  Function<Device.Builder, float[]> hyperArray, Function<Device.Builder, float[]> normArray) {
        Shapes.requireSameSize(op, param, grad);
        Shapes.requireSameSize(op, param, m);
        Shapes.requireSameSize(op, param, v);
        int size = param.size();
        return device.call(op, build -> {
            float[] pd = build.operand(param, Device.Use.UPDATE), gd = build.operand(grad, Device.Use.READ);
            float[] md = build.operand(m, Device.Use.UPDATE), vd = build.operand(v, Device.Use.UPDATE);
            float[] hd = hyperArray.apply(build), nd = normArray.apply(build);
            return build.task("t0", (g, taskId) -> g.task(taskId, ElementKernels::adamW, pd, gd, md, vd, hd, nd, size), null).build();
        }, size);
    }

    /** Two passes of {@link ReduceKernels#groupSums}: per-work-group partial sums, then one work-group over them. */
    void sumOfSquares(Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        int size = x.size();
        int groups = Math.max(1, Math.min(64, (size + ReduceKernels.GROUP - 1) / ReduceKernels.GROUP));
        Device.Call call = device.call("sumOfSquares", build -> {
            float[] xd = build.operand(x, Device.Use.READ), od = build.operand(out, Device.Use.WRITE);
            float[] partial = build.scratch(groups);
            KernelContext ctx = new KernelContext();
            WorkerGrid first = new WorkerGrid1D(groups * ReduceKernels.GROUP);
            first.setLocalWork(ReduceKernels.GROUP, 1, 1);
            WorkerGrid second = new WorkerGrid1D(ReduceKernels.GROUP);
            second.setLocalWork(ReduceKernels.GROUP, 1, 1);
            int[] firstShape = build.sizes(size, 1), secondShape = build.sizes(groups, 0);
            build.task("partial", (g, taskId) -> g.task(taskId, ReduceKernels::groupSums, ctx, xd, partial, firstShape), first);
            return build.task("finish", (g, taskId) -> g.task(taskId, ReduceKernels::groupSums, ctx, partial, od, secondShape),
                    second).build();
        }, size);
        device.run(call, Device.NO_SCALARS, x, out);
    }
}
