package org.peft4j.backend.jvm;

import org.peft4j.backend.AdamW;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** The default backend: plain Java and the JDK Vector API on a fixed pool of threads. */
public class JvmBackend implements Backend {
    private final Parallel pool;

    static {
        JitDirectives.installed();
    }

    /** Whether C2 was told to always inline the kernels' vector helpers (see {@link JitDirectives}). */
    public static boolean vectorHelpersInlined() {
        return JitDirectives.installed();
    }

    /** @param threads worker threads; 0 means one per available processor */
    public JvmBackend(int threads) {
        this.pool = new Parallel(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }

    @Override public String name() { return "jvm"; }
    @Override public int parallelism() { return pool.threads(); }
    @Override public void close() { pool.close(); }

    /** Replays {@code plan} call by call, its GEMMs' constant operands packed once ({@link JvmPreparedPlan}). */
    @Override
    public PreparedPlan prepare(Plan plan, PlanIO io) {
        return new JvmPreparedPlan(plan, io, this, pool);
    }

    @Override
    public void gemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        Gemm.gemm(pool, ta, tb, alpha, a, b, beta, c);
    }

    @Override
    public void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        Gemm.batched(pool, ta, tb, alpha, a, b, beta, c);
    }

    @Override public void softmax(Tensor x, Tensor y) { Softmax.softmax(pool, x, y); }
    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) { Softmax.backward(pool, y, dy, dx); }

    @Override
    public void attention(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed, Tensor probs, Tensor out) {
        Attention.forward(pool, spec, q, k, v, keyMask, seed, probs, out);
    }

    @Override
    public void attentionBackward(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs, Tensor dOut,
                                  Tensor dq, Tensor dk, Tensor dv) {
        Attention.backward(pool, spec, q, k, v, seed, probs, dOut, dq, dk, dv);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        LayerNorm.forward(pool, x, gamma, beta, eps, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        LayerNorm.backward(pool, dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor y, Tensor rstd) {
        RmsNorm.forward(pool, x, gamma, eps, y, rstd);
    }

    @Override
    public void rmsNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor rstd, Tensor dx, Tensor dgamma) {
        RmsNorm.backward(pool, dy, x, gamma, rstd, dx, dgamma);
    }

    @Override public void gelu(Tensor x, Tensor y) { Activations.forward(pool, Activations.Kind.GELU, x, y); }
    @Override public void geluBackward(Tensor x, Tensor dy, Tensor dx) { Activations.backward(pool, Activations.Kind.GELU, x, dy, dx); }
    @Override public void silu(Tensor x, Tensor y) { Activations.forward(pool, Activations.Kind.SILU, x, y); }
    @Override public void siluBackward(Tensor x, Tensor dy, Tensor dx) { Activations.backward(pool, Activations.Kind.SILU, x, dy, dx); }

    @Override public void add(Tensor a, Tensor b, Tensor out) { Elementwise.zip(pool, Elementwise.Zip.ADD, 0f, a, b, out); }
    @Override public void mul(Tensor a, Tensor b, Tensor out) { Elementwise.zip(pool, Elementwise.Zip.MUL, 0f, a, b, out); }
    @Override public void scale(float alpha, Tensor x, Tensor out) { Elementwise.zip(pool, Elementwise.Zip.SCALE, alpha, x, x, out); }
    @Override public void axpy(float alpha, Tensor x, Tensor y) { Elementwise.zip(pool, Elementwise.Zip.AXPY, alpha, x, y, y); }
    @Override public void addBias(Tensor x, Tensor bias) { Elementwise.addBias(pool, x, bias); }
    @Override public void biasGradient(Tensor dy, Tensor dbias) { Elementwise.biasGradient(pool, dy, dbias); }
    @Override public void scaleColumns(Tensor x, Tensor v, Tensor out) { ColumnScaling.apply(pool, x, v, out); }
    @Override public void copy(Tensor src, Tensor dst) { Elementwise.copy(pool, src, dst); }

    @Override
    public void diagonalScale(Tensor rowScale, Tensor x, Tensor colScale, Tensor out) {
        Scaling.diagonal(pool, rowScale, x, colScale, out);
    }

    @Override public void rsqrt(Tensor x, Tensor out) { Scaling.rsqrt(pool, x, out); }

    @Override public void sum(Tensor x, Tensor out) { Reductions.sum(pool, x, out); }
    @Override public void sumOfSquares(Tensor x, Tensor out) { Reductions.sumOfSquares(pool, x, out); }
    @Override public void max(Tensor x, Tensor out) { Reductions.max(pool, x, out); }

    @Override public void embeddingGather(Tensor table, IntTensor ids, Tensor out) { Embeddings.gather(pool, table, ids, out); }
    @Override public void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable) { Embeddings.scatterAdd(pool, dout, ids, dtable); }

    @Override
    public void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW hyper) {
        AdamWUpdate.apply(pool, param, grad, m, v, hyper);
    }

    @Override
    public void clippedAdamW(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor hyper, Tensor gradNormSquared) {
        AdamWUpdate.apply(pool, param, grad, m, v, hyper, gradNormSquared);
    }

    @Override public void fill(Tensor x, float value) { x.fill(value); }

    @Override
    public void crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        Losses.crossEntropy(pool, logits, targets, ignoreIndex, loss, dlogits);
    }

    @Override public void meanPool(Tensor h, IntTensor mask, Tensor out) { Pooling.meanPool(h, mask, out); }
    @Override public void meanPoolBackward(Tensor dout, IntTensor mask, Tensor dh) { Pooling.backward(dout, mask, dh); }

    @Override
    public void dropout(Tensor x, float p, IntTensor seed, int site, Tensor y) {
        Dropout.apply(pool, x, p, seed, site, y);
    }

    @Override
    public void dropoutBackward(Tensor dy, float p, IntTensor seed, int site, Tensor dx) {
        Dropout.apply(pool, dy, p, seed, site, dx);
    }

    @Override
    public void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y) {
        gemm(Transpose.N, Transpose.T, 1f, x, a, 0f, h);
        gemm(Transpose.N, Transpose.T, scale, h, b, 1f, y);
    }

    @Override
    public void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB) {
        if (dB != null) gemm(Transpose.T, Transpose.N, scale, dy, h, 1f, dB);
        gemm(Transpose.N, Transpose.N, scale, dy, b, 0f, dh);
        if (dA != null) gemm(Transpose.T, Transpose.N, 1f, dh, x, 1f, dA);
    }

    @Override public void sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense) { SparseEntries.scatterAdd(values, indices, dense); }
    @Override public void sparseGather(Tensor dense, IntTensor indices, Tensor values) { SparseEntries.gather(pool, dense, indices, values); }

    @Override
    public void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes) {
        CodeAssignment.nearest(pool, x, codebook, distances, codes);
    }

    @Override
    public void dequantizeRows(IntTensor codes, int bits, Tensor levels, Tensor absmax, int blockSize, int rowFrom, Tensor out) {
        BlockwiseQuantized.dequantizeRows(pool, codes, bits, levels, absmax, blockSize, rowFrom, out);
    }

    @Override
    public void quantizedGemm(Transpose tw, float alpha, Tensor x, IntTensor codes, int bits, Tensor levels, Tensor absmax,
                              int blockSize, float beta, Tensor y) {
        BlockwiseQuantized.gemm(pool, tw, alpha, x, codes, bits, levels, absmax, blockSize, beta, y);
    }
}
