package org.peft4j.backend.tornado;

import org.peft4j.backend.ClassTargets;
import org.peft4j.backend.MaskedMeanPool;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** Pooling and the loss on the device ({@link LossKernels}): masked mean pooling, forward and backward, and softmax cross-entropy. */
final class LossCalls {
    private final Device device;

    LossCalls(Device device) {
        this.device = device;
    }

    /** Three kernels: 1/N, then per-row losses and gradients, then their sum (targets checked on the host when called eagerly). */
    void crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        ClassTargets.check(logits, targets, ignoreIndex, loss, dlogits);
        int rows = logits.rows(), classes = logits.cols();
        Device.Call call = device.call("crossEntropy", build -> {
            float[] ld = build.operand(logits, Device.Use.READ);
            int[] td = build.operand(targets, Device.Use.READ);
            float[] lossd = build.operand(loss, Device.Use.WRITE), gd = build.operand(dlogits, Device.Use.WRITE);
            float[] scale = build.scratch(1), rowLoss = build.scratch(rows);
            build.task("scale", (g, taskId) -> g.task(taskId, LossKernels::crossEntropyScale, td, scale, rows, ignoreIndex), null);
            build.task("rows", (g, taskId) -> g.task(taskId, LossKernels::crossEntropyRows, ld, td, scale, rowLoss, gd, rows, classes,
                    ignoreIndex), null);
            return build.task("total", (g, taskId) -> g.task(taskId, LossKernels::crossEntropyTotal, rowLoss, scale, lossd, rows), null)
                    .build();
        }, rows, classes, ignoreIndex);
        device.run(call, Device.NO_SCALARS, logits, targets, loss, dlogits);
    }

    void meanPool(Tensor h, IntTensor mask, Tensor out) {
        MaskedMeanPool.check("meanPool", h, mask, out);
        int batch = h.dim(0), seq = h.dim(1), d = h.dim(2);
        Device.Call call = device.call("meanPool", build -> {
            float[] hd = build.operand(h, Device.Use.READ);
            int[] md = build.operand(mask, Device.Use.READ);
            float[] od = build.operand(out, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, LossKernels::meanPool, hd, md, od, batch, seq, d), null).build();
        }, batch, seq, d);
        device.run(call, Device.NO_SCALARS, h, mask, out);
    }

    void meanPoolBackward(Tensor dout, IntTensor mask, Tensor dh) {
        MaskedMeanPool.check("meanPoolBackward", dh, mask, dout);
        int batch = dh.dim(0), seq = dh.dim(1), d = dh.dim(2);
        Device.Call call = device.call("meanPoolBackward", build -> {
            float[] od = build.operand(dout, Device.Use.READ);
            int[] md = build.operand(mask, Device.Use.READ);
            float[] hd = build.operand(dh, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, LossKernels::meanPoolBackward, od, md, hd, batch, seq, d), null).build();
        }, batch, seq, d);
        device.run(call, Device.NO_SCALARS, dout, mask, dh);
    }
}
