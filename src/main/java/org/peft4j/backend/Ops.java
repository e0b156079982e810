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
     * Attention probabilities from raw scores {@code s [B, H, S, S]}:
     * {@code p = softmax(scale·s + mask)}, where mask is −∞ at key {@code j} if
     * {@code keyMask[b, j] == 0} (null: no padding) or, when {@code causal}, at {@code j > i}.
     * A row with every key masked yields zeros. {@code p} may alias {@code s}.
     */
    void attentionSoftmax(Tensor s, float scale, IntTensor keyMask, boolean causal, Tensor p);

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

    /** {@code dst = src} (same size). */
    void copy(Tensor src, Tensor dst);

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
}
