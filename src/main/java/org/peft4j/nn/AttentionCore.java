package org.peft4j.nn;

import org.peft4j.backend.AttentionSpec;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention over already projected q, k, v, each read from a
 * column block of a packed {@code [B, S, W]} tensor (separate BERT projections, or GPT-2's
 * fused {@code c_attn}), as one fused {@link Ops#attention} call per pass.
 * <pre>
 *   P = softmax(Q·Kᵀ/√d + mask)     (padding mask on keys; causal: −∞ above the diagonal)
 *   O = dropout(P)·V                 per batch and head, written to the context [B, S, H·d]
 * backward:
 *   dV = P̃ᵀ·dO   dP̃ = dO·Vᵀ   dS = softmax'(P)[dropout'(dP̃)]/√d   dQ = dS·K   dK = dSᵀ·Q
 * </pre>
 * The probabilities {@code [B, H, S, S]} are kept between forward and backward (which overwrites them).
 */
public final class AttentionCore {
    private final int heads;
    private final int headDim;
    private final boolean causal;
    private final Dropout probsDropout;
    private final Buffers buffers;
    private Tensor q, k, v;
    private AttentionSpec spec;

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
        this.q = q;
        this.k = k;
        this.v = v;
        spec = new AttentionSpec(qCol, kCol, vCol, (float) (1 / Math.sqrt(headDim)), causal,
                probsDropout.rate(training), probsDropout.site());
        Tensor context = buffers.get("context", b, s, width());
        ops.attention(spec, q, k, v, keyMask, probsDropout.seed(), probs(b, s), context);
        return context;
    }

    /** Writes the gradients of q, k, v into their column blocks of {@code dq, dk, dv} (the columns given to forward). */
    public void backward(Ops ops, Tensor dContext, Tensor dq, Tensor dk, Tensor dv) {
        int b = dContext.dim(0), s = dContext.dim(1);
        ops.attentionBackward(spec, q, k, v, probsDropout.seed(), probs(b, s), dContext, dq, dk, dv);
    }

    private Tensor probs(int b, int s) { return buffers.get("probs", b, heads, s, s); }
}
