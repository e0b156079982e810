package org.peft4j.backend.tornado;

import org.peft4j.backend.AdamW;
import org.peft4j.backend.DeviceTime;
import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

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
    private final DeviceRunner device = new DeviceRunner();
    private final MatrixCalls matrix = new MatrixCalls(device);
    private final NormCalls norms = new NormCalls(device);
    private final ElementCalls elements = new ElementCalls(device);
    private final TableCalls tables = new TableCalls(device);
    private final String deviceName;

    public TornadoBackend(int hostThreads, String deviceName) {
        super(hostThreads);
        this.deviceName = deviceName;
    }

    @Override public String name() { return "tornado"; }

    /** The device the kernels run on, as TornadoVM names it. */
    public String device() { return deviceName; }

    /** Times device calls with TornadoVM's profiler (which adds a little overhead). */
    @Override public void profileDevice(boolean on) { device.profile(on); }

    @Override public DeviceTime deviceTime() { return device.times(); }

    @Override public void resetDeviceTime() { device.resetTimes(); }

    /** Number of compiled device calls held (one per operation and operand shapes). */
    public int compiledCalls() { return device.compiledCalls(); }

    @Override
    public void close() {
        device.close();
        super.close();
    }

    @Override
    public void gemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        matrix.gemm(ta, tb, alpha, a, b, beta, c);
    }

    @Override
    public void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        matrix.batchedGemm(ta, tb, alpha, a, b, beta, c);
    }

    @Override
    public void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y) {
        matrix.loraForward(x, a, b, scale, h, y);
    }

    @Override
    public void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB) {
        matrix.loraBackward(x, dy, a, b, scale, h, dh, dA, dB);
    }

    @Override public void softmax(Tensor x, Tensor y) { norms.softmax(x, y); }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) { norms.softmaxBackward(y, dy, dx); }

    @Override
    public void attentionSoftmax(Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p) {
        norms.attentionSoftmax(s, scale, keyMask, causal, p);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        norms.layerNorm(x, gamma, beta, eps, y, mean, rstd);
    }

    /** On the device when both parameter gradients are wanted (every trainable layer norm); else on the host. */
    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        if (dgamma == null || dbeta == null) super.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        else norms.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
    }

    @Override public void gelu(Tensor x, Tensor y) { elements.gelu(x, y); }

    @Override public void geluBackward(Tensor x, Tensor dy, Tensor dx) { elements.geluBackward(x, dy, dx); }

    @Override public void axpy(float alpha, Tensor x, Tensor y) { elements.axpy(alpha, x, y); }

    @Override public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) { elements.adamW(param, grad, m, v, h); }

    @Override public void sumOfSquares(Tensor x, Tensor out) { elements.sumOfSquares(x, out); }

    /** On the device when the indices are distinct (an SLTrain support); repeated indices accumulate in k order on the host. */
    @Override
    public void sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense) {
        if (!tables.sparseScatterAdd(values, indices, dense)) super.sparseScatterAdd(values, indices, dense);
    }

    @Override public void sparseGather(Tensor dense, IntTensor indices, Tensor values) { tables.sparseGather(dense, indices, values); }

    @Override public void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable) { tables.embeddingScatterAdd(dout, ids, dtable); }

    @Override
    public void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        tables.nearestCode(x, codebook, distances, codes);
    }
}
