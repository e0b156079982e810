package org.peft4j.nn;

import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention over already projected q, k, v, each read from a
 * column block of a packed {@code [B, S, W]} tensor (separate BERT projections, or GPT-2's
 * fused {@code c_attn}).
 * <pre>
 *   P = softmax(Q·Kᵀ/√d + mask)     (padding mask on keys; causal: −∞ above the diagonal)
 *   O = dropout(P)·V                 per batch and head, then heads merged back to [B, S, H·d]
 * backward:
 *   dV = P̃ᵀ·dO   dP̃ = dO·Vᵀ   dS = softmax'(P)[dropout'(dP̃)]/√d   dQ = dS·K   dK = dSᵀ·Q
 * </pre>
 */
public final class AttentionCore {
    private final int heads;
    private final int headDim;
    private final boolean causal;
    private final Dropout probsDropout;
    private final Buffers buffers;
    private Tensor keptProbs;

    public AttentionCore(String name, int heads, int headDim, boolean causal, Dropout probsDropout) {
        this.heads = heads;
        this.headDim = headDim;
        this.causal = causal;
        this.probsDropout = probsDropout;
        this.buffers = new Buffers(name);
    }

    public int width() { return heads * headDim; }

    /** Returns the context [B, S, H·d] (a buffer of this module). */
    public Tensor forward(Ops ops, Tensor q, int qCol, Tensor k, int kCol, Tensor v, int vCol,
                          IntTensor keyMask, boolean training) {
        int b = q.dim(0), s = q.dim(1);
        Tensor qh = heads("q", b, s), kh = heads("k", b, s), vh = heads("v", b, s);
        ops.splitHeads(q, qCol, qh);
        ops.splitHeads(k, kCol, kh);
        ops.splitHeads(v, vCol, vh);
        Tensor scores = square("probs", b, s);
        ops.batchedGemm(Transpose.N, Transpose.T, 1f, flat(qh), flat(kh), 0f, flat(scores));
        ops.attentionSoftmax(scores, scale(), keyMask, causal, scores);
        keptProbs = probsDropout.forward(ops, scores, training);
        Tensor out = heads("o", b, s);
        ops.batchedGemm(Transpose.N, Transpose.N, 1f, flat(keptProbs), flat(vh), 0f, flat(out));
        Tensor context = buffers.get("context", b, s, width());
        ops.mergeHeads(out, 0, context);
        return context;
    }

    /** Writes the gradients of q, k, v into their column blocks of {@code dq, dk, dv}. */
    public void backward(Ops ops, Tensor dContext, Tensor dq, int qCol, Tensor dk, int kCol, Tensor dv, int vCol,
                         boolean training) {
        int b = dContext.dim(0), s = dContext.dim(1);
        Tensor probs = square("probs", b, s);
        Tensor dOut = heads("dO", b, s);
        ops.splitHeads(dContext, 0, dOut);
        Tensor dvh = heads("dV", b, s);
        ops.batchedGemm(Transpose.T, Transpose.N, 1f, flat(keptProbs), flat(dOut), 0f, flat(dvh));
        Tensor dProbs = square("dProbs", b, s);
        ops.batchedGemm(Transpose.N, Transpose.T, 1f, flat(dOut), flat(heads("v", b, s)), 0f, flat(dProbs));
        Tensor dKept = probsDropout.backward(ops, dProbs, training);
        ops.softmaxBackward(probs, dKept, dProbs);
        Tensor dqh = heads("dQ", b, s), dkh = heads("dK", b, s);
        ops.batchedGemm(Transpose.N, Transpose.N, scale(), flat(dProbs), flat(heads("k", b, s)), 0f, flat(dqh));
        ops.batchedGemm(Transpose.T, Transpose.N, scale(), flat(dProbs), flat(heads("q", b, s)), 0f, flat(dkh));
        ops.mergeHeads(dqh, qCol, dq);
        ops.mergeHeads(dkh, kCol, dk);
        ops.mergeHeads(dvh, vCol, dv);
    }

    private float scale() { return (float) (1 / Math.sqrt(headDim)); }

    private Tensor heads(String key, int b, int s) { return buffers.get(key, b, heads, s, headDim); }

    private Tensor square(String key, int b, int s) { return buffers.get(key, b, heads, s, s); }

    private static Tensor flat(Tensor t) { return t.reshape(t.dim(0) * t.dim(1), t.dim(2), t.dim(3)); }
}
