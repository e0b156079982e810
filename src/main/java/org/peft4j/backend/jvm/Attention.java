package org.peft4j.backend.jvm;

import org.peft4j.backend.AttentionSpec;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Fused attention ({@link org.peft4j.backend.Ops#attention}): the {@code B·H} heads are shared out
 * between threads, and each head's S×S matrices live in two thread-local buffers (64 KiB each at
 * S = 128, in L2) instead of passing through memory between kernels. Heads are read from and written
 * to their packed column blocks in place (the GEMMs take row strides).
 * <pre>
 *   forward, per head                          backward, per head
 *   T  = Q·Kᵀ                   (buffer 1)     P̃  = dropout(P)               (buffer 1)
 *   P  = softmax(scale·T + mask) → probs       dV = P̃ᵀ·dO
 *   P̃  = dropout(P)             (buffer 1)     dP = dropout'(dO·Vᵀ)          (buffer 2)
 *   out = P̃·V                                  dS = P ⊙ (dP − rowsum(dP ⊙ P)) → probs
 *                                              dQ = scale·dS·K,  dK = scale·dSᵀ·Q
 * </pre>
 * Without dropout, P̃ is read from probs. Causal heads go by blocks of {@link #CAUSAL_ROWS} query
 * rows, each product stopping at the last key the block sees: the masked upper triangle (half the
 * work) is neither computed nor multiplied. Each head is computed by one thread in a fixed order, so
 * results do not depend on the thread count.
 */
final class Attention {
    private Attention() {}

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** Query rows per block of causal attention (one micro-kernel tile is 8 rows). */
    static final int CAUSAL_ROWS = 32;

    static void forward(Parallel pool, AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed,
                        Tensor probs, Tensor out) {
        spec.check("attention", q, k, v, keyMask, seed, probs, out);
        HeadViews heads = new HeadViews(spec, q, k, v, probs, out);
        float[] bias = keyMask == null ? null : Softmax.paddingBias(keyMask);
        Dropout.Mask mask = spec.dropout() > 0 ? Dropout.Mask.of(seed, spec.dropoutSite(), spec.dropout()) : null;
        int seq = heads.seq, dim = heads.dim, block = heads.blockRows();
        pool.forRange(heads.count(), heads.work(2), (from, to) -> {
            float[] scores = BUFFERS.get().sized(seq * seq).first;
            GemmOperand scoreRows = new GemmOperand(scores, 0, seq, 1);
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads.heads, p0 = heads.probs(bh);
                for (int i0 = 0; i0 < seq; i0 += block) {
                    int i1 = Math.min(seq, i0 + block);
                    product(heads.q(bh).at(i0, 0), heads.k(bh).transposed(), i1 - i0, heads.keys(i1), dim, 1f, scoreRows.at(i0, 0));
                    for (int i = i0; i < i1; i++) {
                        Softmax.row(scores, i * seq, spec.scale(), bias, b * seq, heads.keys(i + 1), seq, 1f, heads.probsData, p0 + i * seq);
                    }
                }
                GemmOperand kept = kept(mask, heads.probsData, p0, bh, seq, scores);
                for (int i0 = 0; i0 < seq; i0 += block) {
                    int i1 = Math.min(seq, i0 + block);
                    product(kept.at(i0, 0), heads.v(bh), i1 - i0, dim, heads.keys(i1), 1f, heads.context(out, bh).at(i0, 0));
                }
            }
        });
    }

    static void backward(Parallel pool, AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs,
                         Tensor dOut, Tensor dq, Tensor dk, Tensor dv) {
        spec.checkBackward("attentionBackward", q, k, v, seed, probs, dOut, dq, dk, dv);
        HeadViews heads = new HeadViews(spec, q, k, v, probs, dOut);
        HeadViews grads = new HeadViews(spec, dq, dk, dv, probs, dOut);
        Dropout.Mask mask = spec.dropout() > 0 ? Dropout.Mask.of(seed, spec.dropoutSite(), spec.dropout()) : null;
        int seq = heads.seq, square = seq * seq, dim = heads.dim, block = heads.blockRows();
        float scale = spec.scale();
        pool.forRange(heads.count(), heads.work(5), (from, to) -> {
            Buffers buffers = BUFFERS.get().sized(square);
            float[] keptBuffer = buffers.first, dProbs = buffers.second;
            GemmOperand dProbRows = new GemmOperand(dProbs, 0, seq, 1);
            for (int bh = from; bh < to; bh++) {
                int p0 = heads.probs(bh);
                GemmOperand dO = heads.context(dOut, bh);
                GemmOperand keptT = kept(mask, heads.probsData, p0, bh, seq, keptBuffer).transposed();
                GemmOperand dS = new GemmOperand(heads.probsData, p0, seq, 1);
                GemmOperand dQ = grads.q(bh), dK = grads.k(bh), dV = grads.v(bh);
                for (int j0 = 0; j0 < seq; j0 += block) {
                    int j1 = Math.min(seq, j0 + block), first = heads.firstQuery(j0);
                    product(keptT.at(j0, first), dO.at(first, 0), j1 - j0, dim, seq - first, 1f, dV.at(j0, 0));
                }
                for (int i0 = 0; i0 < seq; i0 += block) {
                    int i1 = Math.min(seq, i0 + block);
                    product(dO.at(i0, 0), heads.v(bh).transposed(), i1 - i0, heads.keys(i1), dim, 1f, dProbRows.at(i0, 0));
                }
                if (mask != null) mask.applyBlock(dProbs, 0, dProbs, 0, bh, square);
                // dS over the visible keys; the masked ones keep P's zero, which is their dS
                for (int i = 0; i < seq; i++) {
                    Softmax.backwardRow(heads.probsData, p0 + i * seq, dProbs, i * seq, heads.probsData, p0 + i * seq, heads.keys(i + 1));
                }
                for (int i0 = 0; i0 < seq; i0 += block) {
                    int i1 = Math.min(seq, i0 + block);
                    product(dS.at(i0, 0), heads.k(bh), i1 - i0, dim, heads.keys(i1), scale, dQ.at(i0, 0));
                }
                for (int j0 = 0; j0 < seq; j0 += block) {
                    int j1 = Math.min(seq, j0 + block), first = heads.firstQuery(j0);
                    product(dS.transposed().at(j0, first), heads.q(bh).at(first, 0), j1 - j0, dim, seq - first, scale, dK.at(j0, 0));
                }
            }
        });
    }

    /** {@code C = alpha·A·B} for an {@code m × n} block over depth k, C's rows contiguous (overwritten). */
    private static void product(GemmOperand a, GemmOperand b, int m, int n, int k, float alpha, GemmOperand c) {
        GemmBlocked.multiply(a, b, m, n, k, alpha, 0f, c.data(), c.offset(), c.rowStride());
    }

    /** P̃ of head bh as a dense S × S operand: P itself without dropout, else dropout(P) written to {@code buffer}. */
    private static GemmOperand kept(Dropout.Mask mask, float[] probs, int p0, int bh, int seq, float[] buffer) {
        if (mask == null) return new GemmOperand(probs, p0, seq, 1);
        mask.applyBlock(probs, p0, buffer, 0, bh, seq * seq);
        return new GemmOperand(buffer, 0, seq, 1);
    }

    /** Where head {@code bh = b·H + h} of q, k, v (or their gradients), of probs and of the context lies. */
    private static final class HeadViews {
        final int heads, seq, dim, batch;
        final float[] probsData;
        private final AttentionSpec spec;
        private final Tensor q, k, v, probs;

        HeadViews(AttentionSpec spec, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor context) {
            this.spec = spec;
            this.q = q;
            this.k = k;
            this.v = v;
            this.probs = probs;
            this.probsData = probs.data();
            this.batch = probs.dim(0);
            this.heads = AttentionSpec.heads(probs);
            this.seq = probs.dim(2);
            this.dim = AttentionSpec.headDim(probs, context);
        }

        int count() { return batch * heads; }

        /**
         * Query rows taken together: all of them, or {@link #CAUSAL_ROWS} when causal, so that a block's
         * products stop at the last key its queries see.
         */
        int blockRows() { return spec.causal() ? CAUSAL_ROWS : seq; }

        /** Keys that queries before row {@code end} see: all, or the first {@code end} when causal. */
        int keys(int end) { return spec.causal() ? end : seq; }

        /** First query that sees key {@code j}: 0, or {@code j} itself when causal. */
        int firstQuery(int j) { return spec.causal() ? j : 0; }

        /** Multiply-adds of {@code products} S×S×D products over all heads. */
        long work(int products) { return (long) count() * products * seq * seq * dim; }

        GemmOperand q(int bh) { return head(q, spec.qColumn(), bh); }

        GemmOperand k(int bh) { return head(k, spec.kColumn(), bh); }

        GemmOperand v(int bh) { return head(v, spec.vColumn(), bh); }

        int probs(int bh) { return probs.offset() + bh * seq * seq; }

        /** Head bh of a {@code [B, S, H·D]} context (or its gradient): S × D, rows H·D apart. */
        GemmOperand context(Tensor context, int bh) { return head(context, 0, bh); }

        /** Head bh of a packed {@code [B, S, W]} tensor whose heads start at {@code column}: S × D, rows W apart. */
        private GemmOperand head(Tensor packed, int column, int bh) {
            int width = packed.dim(2);
            return new GemmOperand(packed.data(), packed.offset() + (bh / heads) * seq * width + column + (bh % heads) * dim, width, 1);
        }
    }

    /** One thread's two S×S buffers, grown on demand. */
    private static final class Buffers {
        float[] first = new float[0], second = new float[0];

        Buffers sized(int size) {
            if (first.length < size) {
                first = new float[size];
                second = new float[size];
            }
            return this;
        }
    }
}
