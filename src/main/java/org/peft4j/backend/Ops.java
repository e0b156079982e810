package org.peft4j.backend;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * The compute vocabulary of peft4j: every kernel the model, adapters and optimizers need.
 * A {@link Backend} executes these calls; a {@link Plan} records them once per batch shape and
 * replays them, so model code is written once against this interface.
 *
 * <p>Conventions: matrices are the row-major 2-D view {@code [rows(), cols()]} of a tensor;
 * outputs may alias inputs where stated; gradients of parameters accumulate ({@code +=}),
 * gradients of activations overwrite; a {@code null} parameter gradient means "frozen, skip".
 */
public interface Ops {

    /** Marks the start of a named stage (e.g. {@code "encoder.layer.3/forward"}); a TornadoVM task graph boundary. */
    default void stage(String name) {}

    // ---- matrix products ----------------------------------------------------------------

    /** {@code C = alpha·op(A)·op(B) + beta·C} with op(X) = X or Xᵀ; {@code beta = 0} ignores C's old values. */
    void gemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** {@link #gemm} over the leading (batch) axis of 3-D tensors {@code a, b, c}. */
    void batchedGemm(Transpose ta, Transpose tb, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    // ---- normalisation and activations -----------------------------------------------------

    /** Row-wise softmax over the last axis; {@code y} may alias {@code x}. */
    void softmax(Tensor x, Tensor y);

    /** {@code dx = y ⊙ (dy − rowsum(dy ⊙ y))}; {@code dx} may alias {@code dy}. */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /**
     * Scaled dot-product attention of every sequence b and head h in one pass, each head read from and
     * written to its column block of a packed tensor (no split or merge):
     * <pre>
     *   Q = q[b, :, c_q + h·D ..+ D]   (K, V likewise from k, v at spec's columns; q, k, v may be one tensor)
     *   P = softmax(scale·Q·Kᵀ + mask)            → probs[b, h]
     *   out[b, :, h·D ..+ D] = dropout(P)·V                       (dropout as {@link #dropout} over probs)
     * </pre>
     * with {@code probs [B, H, S, S]}, {@code out [B, S, H·D]}; the mask is −∞ at key {@code j} if
     * {@code keyMask[b, j] == 0} (null: no padding) or, when causal, at {@code j > i}, and a row with
     * every key masked yields zeros; {@code seed} may be null without dropout.
     */
    void attention(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed, Tensor probs, Tensor out);

    /**
     * Backward of {@link #attention}, from the probabilities it left and {@code dOut [B, S, H·D]}:
     * <pre>
     *   P̃ = dropout(P)   dV = P̃ᵀ·dO   dP = dropout'(dO·Vᵀ)   dS = P ⊙ (dP − rowsum(dP ⊙ P))
     *   dQ = scale·dS·K   dK = scale·dSᵀ·Q
     * </pre>
     * written over the heads' column blocks of {@code dq, dk, dv} (laid out as q, k, v; may be one
     * tensor); {@code probs} is overwritten with dS, the gradient of the masked, scaled scores.
     */
    void attentionBackward(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs, Tensor dOut,
                           Tensor dq, Tensor dk, Tensor dv);

    /** {@code y = (x − μ)/σ ⊙ γ + β} per row; writes the row mean and 1/σ to {@code mean, rstd} [rows]. */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);

    /** Backward of {@link #layerNorm}: writes {@code dx}, accumulates {@code dgamma, dbeta} (either may be null). */
    void layerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dgamma, Tensor dbeta);

    /** {@code y = x / rms(x) ⊙ γ}, rms = √(mean(x²) + eps); writes 1/rms to {@code rstd} [rows]. */
    void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor y, Tensor rstd);

    /** Backward of {@link #rmsNorm}: writes {@code dx}, accumulates {@code dgamma} (may be null). */
    void rmsNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor rstd, Tensor dx, Tensor dgamma);

    /** GELU, erf form: {@code y = x·Φ(x) = ½x(1 + erf(x/√2))}; {@code y} may alias {@code x}. */
    void gelu(Tensor x, Tensor y);

    /** {@code dx = dy·(Φ(x) + x·φ(x))}; {@code dx} may alias {@code dy}. */
    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /** SiLU: {@code y = x·σ(x)}; {@code y} may alias {@code x}. */
    void silu(Tensor x, Tensor y);

    /** {@code dx = dy·σ(x)(1 + x(1 − σ(x)))}; {@code dx} may alias {@code dy}. */
    void siluBackward(Tensor x, Tensor dy, Tensor dx);

    // ---- elementwise -----------------------------------------------------------------------

    /** {@code out = a + b} (same size); out may alias either. */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code out = a ⊙ b} (same size); out may alias either. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** {@code out = alpha·x}; out may alias x. */
    void scale(float alpha, Tensor x, Tensor out);

    /** {@code y += alpha·x} (same size). */
    void axpy(float alpha, Tensor x, Tensor y);

    /** {@code x[r, :] += bias} for every row r of the matrix view of x. */
    void addBias(Tensor x, Tensor bias);

    /** {@code dbias += Σ_r dy[r, :]} (the gradient of {@link #addBias}). */
    void biasGradient(Tensor dy, Tensor dbias);

    /**
     * {@code out[r, :] = x[r, :] ⊙ v} for every row r of the matrix view of x, {@code v [cols]}:
     * per-column weights such as per-rank gates and masks; out may alias x.
     */
    void scaleColumns(Tensor x, Tensor v, Tensor out);

    /** {@code dst = src} (same size). */
    void copy(Tensor src, Tensor dst);

    /**
     * {@code out = diag(rowScale)·x·diag(colScale)}, i.e. {@code out[i, j] = rowScale[i]·x[i, j]·colScale[j]}
     * over the matrix view of x; a null scale counts as all ones. {@code out} may alias x.
     */
    void diagonalScale(Tensor rowScale, Tensor x, Tensor colScale, Tensor out);

    /** {@code out = 1/√x} (same size); out may alias x. */
    void rsqrt(Tensor x, Tensor out);

    // ---- reductions (into one-element tensors, so that they can be recorded) ---------------

    /** {@code out[0] = Σ x}. */
    void sum(Tensor x, Tensor out);

    /** {@code out[0] = Σ x²}. */
    void sumOfSquares(Tensor x, Tensor out);

    /** {@code out[0] = max x}. */
    void max(Tensor x, Tensor out);

    // ---- embeddings --------------------------------------------------------------------------

    /** {@code out[i, :] = table[ids[i], :]}. */
    void embeddingGather(Tensor table, IntTensor ids, Tensor out);

    /** {@code dtable[ids[i], :] += dout[i, :]} (the gradient of {@link #embeddingGather}). */
    void embeddingScatterAdd(Tensor dout, IntTensor ids, Tensor dtable);

    // ---- optimiser -----------------------------------------------------------------------------

    /** One AdamW step on {@code param} from {@code grad}, updating the moments {@code m, v} in place. */
    void adamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW hyper);

    /**
     * {@link #adamW} with its hyper-parameters in a tensor, so that a recorded plan takes new ones
     * every run: {@code hyper} as {@link AdamW#writeTo} lays it out, and the gradient first clipped
     * by the global norm, {@code g·min(1, maxNorm/(√gradNormSquared[0] + 1e-6))} (maxNorm ≤ 0: no
     * clipping). When {@code gradNormSquared[0]} is NaN or infinite the JVM backend changes nothing;
     * a device whose compiler assumes finite math may not test it, so callers must stop before
     * reading the tensors after such a step (the trainer does).
     */
    void clippedAdamW(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor hyper, Tensor gradNormSquared);

    // ---- layout, loss, pooling, regularisation ----------------------------------------------

    /** {@code x = value} everywhere (zeroing gradient buffers). */
    void fill(Tensor x, float value);

    /**
     * Softmax cross-entropy over rows of {@code logits [N, C]} against {@code targets [N]},
     * skipping rows whose target is {@code ignoreIndex}. Writes the mean loss over counted rows
     * to {@code loss [1]} and its gradient {@code (softmax − onehot)/count} to {@code dlogits}
     * (zero rows for ignored targets). No counted row: loss 0, zero gradient.
     */
    void crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits);

    /** {@code out[b, :] = Σ_s mask[b,s]·h[b,s,:] / Σ_s mask[b,s]} for {@code h [B, S, D]}. */
    void meanPool(Tensor h, IntTensor mask, Tensor out);

    /** The gradient of {@link #meanPool}: {@code dh[b,s,:] = mask[b,s]·dout[b,:] / Σ_s mask[b,s]}. */
    void meanPoolBackward(Tensor dout, IntTensor mask, Tensor dh);

    /**
     * Inverted dropout: {@code y = x·keep/(1−p)} with keep drawn from a counter-based hash of
     * {@code (seed[0], seed[1], site, index)}, so that backward and replays regenerate the same
     * mask without storing it. {@code seed} is {@code [seed, step]}, updated by the host each step.
     */
    void dropout(Tensor x, float p, IntTensor seed, int site, Tensor y);

    /** The gradient of {@link #dropout} (same mask): {@code dx = dy·keep/(1−p)}. */
    void dropoutBackward(Tensor dy, float p, IntTensor seed, int site, Tensor dx);

    // ---- low-rank adapters ---------------------------------------------------------------------

    /**
     * The LoRA branch without forming B·A: {@code h = x·Aᵀ} [rows, r], then
     * {@code y += scale·h·Bᵀ}, for {@code x [rows, in]}, {@code A [r, in]}, {@code B [out, r]}.
     */
    void loraForward(Tensor x, Tensor a, Tensor b, float scale, Tensor h, Tensor y);

    /**
     * Backward of {@link #loraForward}: {@code dB += scale·dyᵀ·h}, {@code dh = scale·dy·B},
     * {@code dA += dhᵀ·x} (dA or dB null: frozen). The input gradient is then {@code dh·A}.
     */
    void loraBackward(Tensor x, Tensor dy, Tensor a, Tensor b, float scale, Tensor h, Tensor dh, Tensor dA, Tensor dB);

    // ---- sparse entries (fixed-support sparse weights) -------------------------------------------

    /**
     * {@code dense[indices[k]] += values[k]} for every k, over the flat row-major view of
     * {@code dense}; repeated indices accumulate in k order. {@code values} and {@code indices}
     * have the same size.
     */
    void sparseScatterAdd(Tensor values, IntTensor indices, Tensor dense);

    /** {@code values[k] = dense[indices[k]]} for every k, over the flat row-major view of {@code dense}. */
    void sparseGather(Tensor dense, IntTensor indices, Tensor values);

    // ---- vector quantisation -------------------------------------------------------------------

    /**
     * Nearest codebook row for every row of {@code x [N, D]}, {@code codebook [K, D]}:
     * {@code distances[i, k] = max(0, ‖x_i‖² − 2·x_i·c_kᵀ + ‖c_k‖²)} (the cross term as one GEMM),
     * {@code codes[i] = argmin_k distances[i, k]} (the lowest k on ties). {@code distances [N, K]}
     * and {@code codes [N]} are written.
     */
    void nearestCode(Tensor x, Tensor codebook, Tensor distances, IntTensor codes);

    // ---- quantized weights ------------------------------------------------------------------

    /**
     * Rows {@code [rowFrom, rowFrom + out.rows())} of a blockwise-quantized matrix W with
     * {@code out.cols()} columns, written to {@code out}:
     * <pre>
     *   out[i, j] = levels[code(e)] · absmax[e / blockSize],   e = (rowFrom + i)·cols + j
     *   code(e)   = bits [s, s + bits) of codes[e / (32/bits)], s = (e mod (32/bits))·bits
     * </pre>
     * i.e. {@code 32/bits} codes per int32 word, lowest bits first (little-endian: int8 codes are
     * bytes in order, 4-bit codes are two per byte, low nibble first). {@code bits} divides 32 and is
     * at most 16; {@code levels} holds {@code 2^bits} values (the codebook: NF4's 16 normal quantiles,
     * or {@code q/127} for signed int8 codes q).
     */
    void dequantizeRows(IntTensor codes, int bits, Tensor levels, Tensor absmax, int blockSize, int rowFrom, Tensor out);

    /**
     * {@link #gemm} with a blockwise-quantized W [wRows, wCols] (stored as in {@link #dequantizeRows}),
     * dequantized block by block inside the product, never whole:
     * <pre>
     *   tw = T:  y = alpha·x·Wᵀ + beta·y     x [m, wCols], y [m, wRows]   (a Linear's forward)
     *   tw = N:  y = alpha·x·W  + beta·y     x [m, wRows], y [m, wCols]   (its input gradient)
     * </pre>
     * W's shape follows from x and y; {@code beta = 0} ignores y's old values.
     */
    void quantizedGemm(Transpose tw, float alpha, Tensor x, IntTensor codes, int bits, Tensor levels, Tensor absmax,
                       int blockSize, float beta, Tensor y);
}
