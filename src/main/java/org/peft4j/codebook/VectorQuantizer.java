package org.peft4j.codebook;

import java.util.SplittableRandom;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A vector quantiser (VQ-VAE, van den Oord et al. 2017) with the dead-code reset of memory-bank
 * compression (MBC, Katraouras et al. 2025). For rows x_i of {@code x [N, D]} and a codebook
 * {@code e [K, D]}:
 * <pre>
 *   c_i = argmin_k ‖x_i − e_k‖²        z_i = x_i + sg[e_{c_i} − x_i]   (= e_{c_i}; ∂z/∂x = I, straight-through)
 *   L   = (1/N) Σ_i ‖sg[x_i] − e_{c_i}‖² + β‖x_i − sg[e_{c_i}]‖²                    β = 0.25
 *   ∂L/∂e_k = (2/N) Σ_{c_i = k} (e_k − x_i)       ∂L/∂x_i = (2β/N)(x_i − e_{c_i}) (+ the upstream ∂/∂z_i)
 * </pre>
 * Online training ({@link #trainStep}) takes an SGD step on the codebook ({@code e ← e − η·∂L/∂e},
 * η = 0.4, so a code holding the whole batch moves 0.8 of the way to its mean), then keeps an EMA of
 * each code's share of the batch, {@code u_k ← γ·u_k + (1 − γ)·n_k/N} (γ = usage_decay, u starts
 * at 1/K). With reset on, a code whose {@code u_k < τ/K} (τ = dead_threshold) is dead and is
 * re-seeded from a random row of the current batch, its usage back at 1/K; without it, codes that
 * stop winning stay dead: the codebook collapses. The codebook starts as N(0, 1/D) rows
 * (expected norm 1), so that collapse is possible.
 */
public final class VectorQuantizer {

    /** Hyper-parameters; {@link #defaults(int)} gives the values above. */
    public record Settings(int codes, float beta, float learningRate, float usageDecay, float deadThreshold,
                           boolean resetDeadCodes, long seed) {
        public Settings {
            if (codes < 1) throw new IllegalArgumentException("a codebook needs ≥ 1 code, got " + codes);
            if (!(beta >= 0)) throw new IllegalArgumentException("beta must be ≥ 0, got " + beta);
            if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
            if (!(usageDecay >= 0 && usageDecay < 1)) throw new IllegalArgumentException("usage_decay must lie in [0, 1), got " + usageDecay);
            if (!(deadThreshold >= 0 && deadThreshold < 1)) throw new IllegalArgumentException("dead_threshold must lie in [0, 1), got " + deadThreshold);
        }

        /** β 0.25, η 0.4, γ 0.95, τ 0.1, reset on, seed 42. */
        public static Settings defaults(int codes) {
            return new Settings(codes, 0.25f, 0.4f, 0.95f, 0.1f, true, 42);
        }

        public Settings withReset(boolean reset) {
            return new Settings(codes, beta, learningRate, usageDecay, deadThreshold, reset, seed);
        }

        public Settings withSeed(long newSeed) {
            return new Settings(codes, beta, learningRate, usageDecay, deadThreshold, resetDeadCodes, newSeed);
        }
    }

    /** The buffers of one forward/backward pass over a batch of {@code rows} vectors. */
    public record Pass(Tensor distances, IntTensor codes, Tensor quantized, Tensor difference, Tensor scaled, Tensor loss) {
        static Pass of(int rows, int codes, int dim) {
            return new Pass(Tensor.zeros(rows, codes), IntTensor.zeros(rows), Tensor.zeros(rows, dim), Tensor.zeros(rows, dim),
                    Tensor.zeros(rows, dim), Tensor.zeros(1));
        }
    }

    private final Settings settings;
    private final Tensor codebook;
    private final Tensor codebookGrad;
    private final float[] usage;
    private final SplittableRandom rng;
    private long resets;

    public VectorQuantizer(Settings settings, int dim) {
        this(settings, Tensor.normal(settings.seed(), (float) (1 / Math.sqrt(dim)), settings.codes(), dim));
    }

    /** A quantiser starting from {@code codebook [K, D]} (copied). */
    public VectorQuantizer(Settings settings, Tensor codebook) {
        if (codebook.rows() != settings.codes()) {
            throw new IllegalArgumentException("codebook has " + codebook.rows() + " rows but settings ask for " + settings.codes() + " codes");
        }
        this.settings = settings;
        this.codebook = codebook.asMatrix().copy();
        this.codebookGrad = Tensor.zeros(codebook.rows(), codebook.cols());
        this.usage = new float[settings.codes()];
        java.util.Arrays.fill(usage, 1f / settings.codes());
        this.rng = new SplittableRandom(settings.seed() + 1);
    }

    public Settings settings() { return settings; }
    public Tensor codebook() { return codebook; }
    public Tensor codebookGrad() { return codebookGrad; }
    public float[] usage() { return usage.clone(); }
    /** Codes re-seeded so far. */
    public long resets() { return resets; }

    /** Buffers for batches of {@code rows} vectors. */
    public Pass pass(int rows) {
        return Pass.of(rows, codebook.rows(), codebook.cols());
    }

    /** Codes, {@code z = e[codes]} and the loss L of {@code x} into {@code p}; returns z. */
    public Tensor forward(Ops ops, Tensor x, Pass p) {
        requireRows(x, p);
        int n = x.rows();
        ops.nearestCode(x, codebook, p.distances(), p.codes());
        ops.embeddingGather(codebook, p.codes(), p.quantized());
        ops.copy(p.quantized(), p.difference());
        ops.axpy(-1f, x, p.difference());
        ops.sumOfSquares(p.difference(), p.loss());
        ops.scale((1 + settings.beta()) / n, p.loss(), p.loss());
        return p.quantized();
    }

    /**
     * The gradients of L plus the straight-through path: {@code dE += ∂L/∂e}, and
     * {@code dx = dz + ∂L/∂x} ({@code dz} null: no upstream gradient).
     */
    public void backward(Ops ops, Tensor dz, Pass p, Tensor dx) {
        int n = p.codes().size();
        ops.scale(2f / n, p.difference(), p.scaled());
        ops.embeddingScatterAdd(p.scaled(), p.codes(), codebookGrad);
        if (dz != null) ops.copy(dz, dx);
        else ops.fill(dx, 0f);
        ops.axpy(-settings.beta(), p.scaled(), dx);
    }

    /** One online step on batch {@code x}: forward, codebook gradient, SGD, usage EMA, dead-code reset. Returns L. */
    public float trainStep(Ops ops, Tensor x, Pass p, Tensor dx) {
        forward(ops, x, p);
        ops.fill(codebookGrad, 0f);
        backward(ops, null, p, dx);
        ops.axpy(-settings.learningRate(), codebookGrad, codebook);
        updateUsage(x, p.codes());
        return p.loss().at(0);
    }

    /** {@code u_k ← γ·u_k + (1 − γ)·n_k/N}, then the reset of dead codes when it is on. */
    void updateUsage(Tensor x, IntTensor codes) {
        int k = usage.length, n = codes.size();
        int[] counts = new int[k];
        for (int c : codes.data()) counts[c]++;
        float g = settings.usageDecay(), floor = settings.deadThreshold() / k;
        for (int j = 0; j < k; j++) usage[j] = g * usage[j] + (1 - g) * counts[j] / n;
        if (!settings.resetDeadCodes()) return;
        for (int j = 0; j < k; j++) {
            if (usage[j] < floor) {
                int r = rng.nextInt(n);
                codebook.rows(j, j + 1).copyFrom(x.rows(r, r + 1));
                usage[j] = 1f / k;
                resets++;
            }
        }
    }

    private void requireRows(Tensor x, Pass p) {
        if (x.cols() != codebook.cols() || x.rows() != p.codes().size()) {
            throw new IllegalArgumentException("batch " + java.util.Arrays.toString(x.shape()) + " does not fit this quantiser: rows of "
                    + codebook.cols() + " values, " + p.codes().size() + " rows per pass");
        }
    }
}
