package org.peft4j.backend.tornado;

import org.peft4j.backend.AttentionScores;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Row-wise normalisation on the device: softmax (plain and attention) and layer norm, forward and
 * backward ({@link RowKernels}).
 */
final class NormCalls {
    private final DeviceRunner device;

    NormCalls(DeviceRunner device) {
        this.device = device;
    }

    void softmax(Tensor x, Tensor y) {
        Shapes.requireSameSize("softmax", x, y);
        int rows = x.rows(), n = x.cols();
        DeviceCall call = device.call("softmax", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", RowKernels::softmax, xd, yd, rows, n), null).build();
        }, rows, n);
        device.run(call, DeviceRunner.NO_SCALARS, x, y);
    }

    void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        Shapes.requireSameSize("softmaxBackward", y, dy);
        Shapes.requireSameSize("softmaxBackward", y, dx);
        int rows = y.rows(), n = y.cols();
        DeviceCall call = device.call("softmaxBackward", build -> {
            float[] yd = build.operand(y, DeviceCall.Use.READ), dyd = build.operand(dy, DeviceCall.Use.READ);
            float[] dxd = build.operand(dx, DeviceCall.Use.WRITE);
            return build.task("t0", g -> g.task("t0", RowKernels::softmaxBackward, yd, dyd, dxd, rows, n), null).build();
        }, rows, n);
        device.run(call, DeviceRunner.NO_SCALARS, y, dy, dx);
    }

    void attentionSoftmax(Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p) {
        AttentionScores.check(s, keyMask, p);
        int batch = s.dim(0), heads = s.dim(1), seq = s.dim(2);
        IntTensor mask = keyMask == null ? IntTensor.zeros(1) : keyMask;
        int hasMask = keyMask == null ? 0 : 1, isCausal = causal ? 1 : 0;
        DeviceCall call = device.call("attentionSoftmax", build -> {
            float[] sd = build.operand(s, DeviceCall.Use.READ);
            int[] md = build.operand(mask, DeviceCall.Use.READ);
            float[] pd = build.operand(p, DeviceCall.Use.WRITE);
            float[] scalar = build.scalars(1);
            return build.task("t0", g -> g.task("t0", RowKernels::attentionSoftmax, sd, md, pd, scalar, batch, heads, seq,
                    hasMask, isCausal), null).build();
        }, batch, heads, seq, hasMask, isCausal);
        device.run(call, new float[][] {{scale}}, s, mask, p);
    }

    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        Shapes.require("layerNorm", "beta", beta, n);
        DeviceCall call = device.call("layerNorm", build -> {
            float[] xd = build.operand(x, DeviceCall.Use.READ), gd = build.operand(gamma, DeviceCall.Use.READ);
            float[] bd = build.operand(beta, DeviceCall.Use.READ), yd = build.operand(y, DeviceCall.Use.WRITE);
            float[] md = build.operand(mean, DeviceCall.Use.WRITE), rd = build.operand(rstd, DeviceCall.Use.WRITE);
            float[] epsilon = build.scalars(1);
            return build.task("t0", g -> g.task("t0", RowKernels::layerNorm, xd, gd, bd, yd, md, rd, epsilon, rows, n), null).build();
        }, rows, n);
        device.run(call, new float[][] {{eps}}, x, gamma, beta, y, mean, rstd);
    }

    /** Both parameter gradients are accumulated here; without them the host runs it. */
    void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        int rows = x.rows(), n = x.cols();
        requireLayerNorm("layerNormBackward", x, gamma, dx, mean, rstd);
        Shapes.requireSameSize("layerNormBackward", x, dy);
        Shapes.require("layerNormBackward", "dgamma", dgamma, n);
        Shapes.require("layerNormBackward", "dbeta", dbeta, n);
        DeviceCall call = device.call("layerNormBackward", build -> {
            float[] dyd = build.operand(dy, DeviceCall.Use.READ), xd = build.operand(x, DeviceCall.Use.READ);
            float[] gd = build.operand(gamma, DeviceCall.Use.READ), md = build.operand(mean, DeviceCall.Use.READ);
            float[] rd = build.operand(rstd, DeviceCall.Use.READ), dxd = build.operand(dx, DeviceCall.Use.WRITE);
            float[] dgd = build.operand(dgamma, DeviceCall.Use.UPDATE), dbd = build.operand(dbeta, DeviceCall.Use.UPDATE);
            build.task("columns", g -> g.task("columns", RowKernels::layerNormParameterGradients, dyd, xd, md, rd, dgd, dbd,
                    rows, n), null);
            return build.task("rows", g -> g.task("rows", RowKernels::layerNormInputGradient, dyd, xd, gd, md, rd, dxd,
                    rows, n), null).build();
        }, rows, n);
        device.run(call, DeviceRunner.NO_SCALARS, dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
    }

    private static void requireLayerNorm(String op, Tensor x, Tensor gamma, Tensor y, Tensor mean, Tensor rstd) {
        int n = x.cols();
        Shapes.requireSameSize(op, x, y);
        Shapes.require(op, "gamma", gamma, n);
        Shapes.require(op, "mean", mean, x.rows());
        Shapes.require(op, "rstd", rstd, x.rows());
    }
}
