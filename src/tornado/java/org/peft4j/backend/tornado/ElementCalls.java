package org.peft4j.backend.tornado;

import org.peft4j.backend.AdamW;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;

/**
 * Element-wise work on the device, GELU, axpy and AdamW ({@link ElementKernels}), and the two-pass
 * sum of squares ({@link ReduceKernels}).
 */
final class ElementCalls {
    private final DeviceRunner device;

    ElementCalls(DeviceRunner device) {
        this.device = device;
    }

    void gelu(Tensor x, Tensor y) {
        Shapes.requireSameSize("gelu", x, y);
        int size = x.size();
        DeviceCall call = device.call("gelu", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", ElementKernels::gelu, xd, yd, size), null).build();
        }, size);
        device.run(call, DeviceRunner.NO_SCALARS, x, y);
    }

    void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("geluBackward", x, dy);
        Shapes.requireSameSize("geluBackward", x, dx);
        int size = x.size();
        DeviceCall call = device.call("geluBackward", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), dyd = build.operand(dy, DeviceCall.Use.READ);
            float[] dxd = build.operand(dx, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", ElementKernels::geluBackward, xd, dyd, dxd, size), null).build();
        }, size);
        device.run(call, DeviceRunner.NO_SCALARS, x, dy, dx);
    }

    void axpy(float alpha, Tensor x, Tensor y) {
        Shapes.requireSameSize("axpy", x, y);
        int size = x.size();
        DeviceCall call = device.call("axpy", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.UPDATE);
            float[] a = build.scalars(1);
            return build.task("t0", g -> g.task("t0", ElementKernels::axpy, xd, yd, a, size), null).build();
        }, size);
        device.run(call, new float[][] {{alpha}}, x, y);
    }

    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        int size = param.size();
        DeviceCall call = device.call("adamW", build -> {
            float[] pd = build.operand(param, DeviceCall.Use.UPDATE), gd = build.operand(grad, DeviceCall.Use.READ);
            float[] md = build.operand(m, DeviceCall.Use.UPDATE), vd = build.operand(v, DeviceCall.Use.UPDATE);
            float[] hyper = build.scalars(6);
            return build.task("t0", g -> g.task("t0", ElementKernels::adamW, pd, gd, md, vd, hyper, size), null).build();
        }, size);
        device.run(call, new float[][] {{h.beta1(), h.beta2(), 1 - h.lr() * h.weightDecay(), h.lr() / h.biasCorrection1(),
                (float) (1 / Math.sqrt(h.biasCorrection2())), h.eps()}}, param, grad, m, v);
    }

    /** Two passes of {@link ReduceKernels#groupSums}: per-work-group partial sums, then one work-group over them. */
    void sumOfSquares(Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        int size = x.size();
        int groups = Math.max(1, Math.min(64, (size + ReduceKernels.GROUP - 1) / ReduceKernels.GROUP));
        DeviceCall call = device.call("sumOfSquares", build -> {
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
        device.run(call, DeviceRunner.NO_SCALARS, x, out);
    }
}
