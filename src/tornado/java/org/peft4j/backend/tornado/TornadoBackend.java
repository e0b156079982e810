package org.peft4j.backend.tornado;

import org.peft4j.backend.AdamW;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.backend.DeviceTime;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * {@link org.peft4j.backend.Ops} on a TornadoVM device (OpenCL or PTX), as Java kernels that
 * TornadoVM compiles at first use: every operation of an encoder or decoder training step (matrix
 * products and the fused LoRA forward and backward, fused attention, softmax, layer norm, GELU, dropout,
 * embeddings, pooling, cross-entropy, AdamW ...), SLTrain's sparse scatter-add and gather, and
 * vector quantisation's nearest-code assignment. Operations it does not declare run on the host,
 * in the JVM backend this class extends.
 * <pre>
 *   prepare(plan, io)  → ResidentPlan: a task graph per plan stage, tensors kept on the device
 *   ops.gemm(...) etc. → one DeviceCall: operands staged in, results copied back, per call
 * </pre>
 * Eager calls keep host and device consistent after every call; calls at the same shapes share
 * one compiled kernel.
 */
public final class TornadoBackend extends JvmBackend {
    private final Device device;
    private final DeviceRunner runner;
    private final MatrixCalls matrix;
    private final NormCalls norms;
    private final ElementCalls elements;
    private final TableCalls tables;
    private final LossCalls losses;
    private final AttentionCalls attention;
    private final String deviceName;

    public TornadoBackend(int hostThreads, String deviceName) {
        this(hostThreads, deviceName, new DeviceRunner());
    }

    /** A facade that records its device calls into {@code recorder} instead of running them (see {@link ResidentPlan}). */
    TornadoBackend(String deviceName, ResidentRecorder recorder) {
        this(1, deviceName, recorder);
    }

    private TornadoBackend(int hostThreads, String deviceName, Device device) {
        super(hostThreads);
        this.deviceName = deviceName;
        this.device = device;
        this.runner = device instanceof DeviceRunner r ? r : new DeviceRunner();
        this.matrix = new MatrixCalls(device);
        this.norms = new NormCalls(device);
        this.elements = new ElementCalls(device);
        this.tables = new TableCalls(device);
        this.losses = new LossCalls(device);
        this.attention = new AttentionCalls(device);
    }

    @Override public void stage(String name) { device.stage(name); }

    /**
     * The plan as task graphs resident on the device ({@link ResidentPlan}); replayed call by call,
     * with the reason in its description, when some operation has no device kernel.
     */
    @Override
    public PreparedPlan prepare(Plan plan, PlanIO io) {
        try {
            return ResidentPlan.compile(plan, io, deviceName, runner);
        } catch (UnsupportedOperationException e) {
            return PreparedPlan.replay(plan, this, e.getMessage());
        }
    }

    @Override public String name() { return "tornado"; }

    /** Prepared plans are {@link ResidentPlan}s where every operation has a device kernel. */
    @Override public boolean keepsPlansResident() { return true; }

    /** The device the kernels run on, as TornadoVM names it. */
    public String device() { return deviceName; }

    /** Times device calls with TornadoVM's profiler (which adds a little overhead). */
    @Override public void profileDevice(boolean on) { runner.profile(on); }

    @Override public DeviceTime deviceTime() { return runner.times(); }

    @Override public void resetDeviceTime() { runner.resetTimes(); }

    /** Number of compiled device calls held (one per operation and operand shapes). */
    public int compiledCalls() { return runner.compiledCalls(); }

    @Override
    public void close() {
        runner.close();
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
    public void attention(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed, Tensor probs, Tensor out) {
        attention.forward(spec, q, k, v, keyMask, seed, probs, out);
    }

    @Override
    public void attentionBackward(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs, Tensor dOut,
                                  Tensor dq, Tensor dk, Tensor dv) {
        attention.backward(spec, q, k, v, seed, probs, dOut, dq, dk, dv);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        norms.layerNorm(x, gamma, beta, eps, y, mean, rstd);
    }

    /** On the device with both parameter gradients (a trainable layer norm) or neither (a frozen one). */
    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        if ((dgamma == null) == (dbeta == null)) {
            norms.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        } else {
            device.hostFallback("layerNormBackward with one parameter gradient");
            super.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        }
    }

    @Override public void gelu(Tensor x, Tensor y) { elements.gelu(x, y); }

    @Override public void geluBackward(Tensor x, Tensor dy, Tensor dx) { elements.geluBackward(x, dy, dx); }

    @Override public void axpy(float alpha, Tensor x, Tensor y) { elements.axpy(alpha, x, y); }

    @Override public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) { elements.adamW(param, grad, m, v, h); }

    @Override
    public void clippedAdamW(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor hyper, Tensor gradNormSquared) {
        elements.clippedAdamW(param, grad, m, v, hyper, gradNormSquared);
    }

    @Override public void sumOfSquares(Tensor x, Tensor out) { elements.sumOfSquares(x, out); }

    /** On the device when the indices are distinct (an SLTrain support); repeated indices accumulate in k order on the host. */
    @Override
    public void sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense) {
        if (!tables.sparseScatterAdd(values, indices, dense)) {
            device.hostFallback("sparseScatterAdd with repeated indices");
            super.sparseScatterAdd(values, indices, dense);
        }
    }

    @Override public void sparseGather(Tensor dense, IntTensor indices, Tensor values) { tables.sparseGather(dense, indices, values); }

    @Override public void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable) { tables.embeddingScatterAdd(dout, ids, dtable); }

    @Override
    public void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        tables.nearestCode(x, codebook, distances, codes);
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) { elements.add(a, b, out); }

    @Override public void addBias(Tensor x, Tensor bias) { elements.addBias(x, bias); }

    @Override public void biasGradient(Tensor dy, Tensor dbias) { elements.biasGradient(dy, dbias); }

    @Override public void copy(Tensor src, Tensor dst) { elements.copy(src, dst); }

    @Override public void fill(Tensor x, float value) { elements.fill(x, value); }

    @Override public void dropout(Tensor x, float p, IntTensor seed, int site, Tensor y) { elements.dropout(x, p, seed, site, y); }

    @Override
    public void dropoutBackward(Tensor dy, float p, IntTensor seed, int site, Tensor dx) {
        elements.dropout(dy, p, seed, site, dx);
    }



    @Override public void embeddingGather(Tensor table, IntTensor ids, Tensor out) { tables.embeddingGather(table, ids, out); }

    @Override
    public void crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        losses.crossEntropy(logits, targets, ignoreIndex, loss, dlogits);
    }

    @Override public void meanPool(Tensor h, IntTensor mask, Tensor out) { losses.meanPool(h, mask, out); }

    @Override public void meanPoolBackward(Tensor dout, IntTensor mask, Tensor dh) { losses.meanPoolBackward(dout, mask, dh); }
}
