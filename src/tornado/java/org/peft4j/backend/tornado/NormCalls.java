package org.peft4j.backend.tornado;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Row-wise normalisation on the device: softmax and layer norm, forward and
 * backward ({@link RowKernels}).
 */
final class NormCalls {
    private final Device device;

    NormCalls(Device device) {
        this.device = device;
    }

    void softmax(Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int rows = x.rows(), n = x.cols();
        Device.Call call = device.call("softmax", build -> {
            float[] xd = build.operand(x, Device.Use.READ), yd = build.operand(y, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, RowKernels::softmax, xd, yd, rows, n), null).build();
        }, rows, n);
        device.run(call, Device.NO_SCALARS, x, y);
    }

    void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int rows = y.rows(), n = y.cols();
        Device.Call call = device.call("softmaxBackward", build -> {
            float[] yd = build.operand(y, Device.Use.READ), dyd = build.operand(dy, Device.Use.READ);
            float[] dxd = build.operand(dx, Device.Use.WRITE);
            return build.task("t0", (g, taskId) -> g.task(taskId, RowKernels::softmaxBackward, yd, dyd, dxd, rows, n), null).build();
        }, rows, n);
        device.run(call, Device.NO_SCALARS, y, dy, dx);
    }

    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        Shapes.require("layerNorm", "beta", beta, n);
        Device.Call call = device.call("layerNorm", build -> {
            float[] xd = build.operand(x, Device.Use.READ), gd = build.operand(gamma, Device.Use.READ);
            float[] bd = build.operand(beta, Device.Use.READ), yd = build.operand(y, Device.Use.WRITE);
            float[] md = build.operand(mean, Device.Use.WRITE), rd = build.operand(rstd, Device.Use.WRITE);
            float[] epsilon = build.scalars(1);
            return build.task("t0", (g, taskId) -> g.task(taskId, RowKernels::layerNorm, xd, gd, bd, yd, md, rd, epsilon, rows, n), null).build();
        }, rows, n);
        device.run(call, new float[][] {{eps}}, x, gamma, beta, y, mean, rstd);
    }

    /** dx, and both parameter gradients accumulated when given (a trainable layer norm) or neither (a frozen one). */
    void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNormBackward", x, gamma, dx, mean, rstd);
        Shapes.requireSameSize("layerNormBackward", x, dy);
        boolean parameters = dgamma != null;
        if (parameters) {
            Shapes.require("layerNormBackward", "dgamma", dgamma, n);
            Shapes.require("layerNormBackward", "dbeta", dbeta, n);
        }
        Device.Call call = device.call("layerNormBackward", build -> {
            float[] dyd = build.operand(dy, Device.Use.READ), xd = build.operand(x, Device.Use.READ);
            float[] gd = build.operand(gamma, Device.Use.READ), md = build.operand(mean, Device.Use.READ);
            float[] rd = build.operand(rstd, Device.Use.READ), dxd = build.operand(dx, Device.Use.WRITE);
            if (parameters) {
                float[] dgd = build.operand(dgamma, Device.Use.UPDATE), dbd = build.operand(dbeta, Device.Use.UPDATE);
                build.task("columns", (g, taskId) -> g.task(taskId, RowKernels::layerNormParameterGradients, dyd, xd, md, rd, dgd, dbd,
                        rows, n), null);
            }
            return build.task("rows", (g, taskId) -> g.task(taskId, RowKernels::layerNormInputGradient, dyd, xd, gd, md, rd, dxd,
                    rows, n), null).build();
        }, rows, n, parameters);
        if (parameters) device.run(call, Device.NO_SCALARS, dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        else device.run(call, Device.NO_SCALARS, dy, x, gamma, mean, rstd, dx);
    }

    private static void requireLayerNorm(String op, Tensor x, Tensor gamma, Tensor y, Tensor mean, Tensor rstd) {
        int n = x.cols();
        Shapes.requireSameSize(op, x, y);
        Shapes.require(op, "gamma", gamma, n);
        Shapes.require(op, "mean", mean, x.rows());
        Shapes.require(op, "rstd", rstd, x.rows());
    }
}
