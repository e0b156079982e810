package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.Seeds;
import org.peft4j.tensor.Tensor;

/**
 * RandLoRA (Albert et al., 2025): a full-rank update from n = ⌈min(in, out)/r⌉ frozen random
 * bases of rank r with trainable diagonal scalings, as PEFT's {@code randlora/layer.py}. With
 * {@code m = min(in, out)}, {@code M = max(in, out)} and {@code R = r·n}:
 * <pre>
 *   Â[c, j] = λ[k, b]·A[k, j]·γ[b, j],   (k, b) = (c / n, c mod n)      Â [R, m]: scaled shared A
 *   B̂[i, c] = B[i, c / r, c mod r]                                      B̂ [M, R]: frozen bases
 *   ΔW = s·B̂·Â if in ≤ out, else s·(B̂·Â)ᵀ;   s = α/r  (PEFT's randlora_alpha / r)
 * </pre>
 * (PEFT pairs basis column c of the flattened B with row c of the flattened scaled A, as above.)
 * λ [r, n] starts at 0 and γ [n, m] at 1/max(n, m), so ΔW = 0 at creation. The shared
 * {@code randlora_A [r, 1, m_max]} and {@code randlora_B [M_max, n_max, r]} are Kaiming-uniform
 * (±1/√fan_in: m_max for A, r for B) divided by their sample standard deviation, drawn from
 * {@code projection_prng_key} (option, default 0), and sized for the largest layer; PEFT's sparse
 * variants are not implemented.
 *
 * <p>PEFT keys: {@code randlora_lambda}, {@code randlora_gamma} per module, and {@code randlora_A},
 * {@code randlora_B} once per model ({@link Layer#sharedPeftTensors}; PEFT draws with torch's generator,
 * so they are to be saved, {@code save_projection = true}).
 */
public final class RandLora implements AdapterMethod {
    @Override public String name() { return "randlora"; }
    @Override public String peftType() { return "RANDLORA"; }

    @Override
    public Adapter create(AdapterSite site) {
        Adapters.requireDefaultInit(site, "RandLoRA");
        Adapters.requireSharedRank(site, "RandLoRA");
        int r = site.rank(), in = site.linear().inFeatures(), out = site.linear().outFeatures();
        long key = (long) site.config().option("projection_prng_key", 0);
        SharedProjections projections = SharedProjections.of(site, (maxOut, maxIn) -> {
            int small = Math.min(maxOut, maxIn), large = Math.max(maxOut, maxIn);
            return Map.of(
                    "randlora_A", standardised(Tensor.uniform(Seeds.of(key, "randlora_A"), (float) (1 / Math.sqrt(small)), r, 1, small)),
                    "randlora_B", standardised(Tensor.uniform(Seeds.of(key, "randlora_B"), (float) (1 / Math.sqrt(r)),
                            large, bases(small, r), r)));
        });
        Bases bases = projections.part(out, in, (o, i) -> new Bases(r, o, i));
        int n = bases.count(), small = Math.min(in, out);
        Parameter lambda = Parameter.trainable(site.parameterName("randlora_lambda"), Tensor.zeros(r, n));
        Parameter gamma = Parameter.trainable(site.parameterName("randlora_gamma"), Tensor.zeros(n, small).fill(1f / Math.max(n, small)));
        Parameter scaled = Parameter.trainable(site.parameterName("randlora_scaled_A"),
                bases.inputIsSmaller() ? Tensor.zeros(n * r, in) : Tensor.zeros(out, n * r));
        Parameter fixed = Parameter.frozen(site.parameterName("randlora_bases"), bases.fixed());
        LowRankBranch branch = bases.inputIsSmaller()
                ? new LowRankBranch(site, scaled, fixed, site.alpha() / r)
                : new LowRankBranch(site, fixed, scaled, site.alpha() / r);
        return new Layer(site, branch, lambda, gamma, bases, projections);
    }

    /** n = ⌈m/r⌉: enough rank-r bases for full rank. */
    static int bases(int small, int r) {
        return (small + r - 1) / r;
    }

    /** {@code t / std(t)}, the sample standard deviation over all values (PEFT's normalisation). */
    private static Tensor standardised(Tensor t) {
        double mean = 0, squares = 0;
        for (int i = 0; i < t.size(); i++) mean += t.at(i);
        mean /= t.size();
        for (int i = 0; i < t.size(); i++) squares += (t.at(i) - mean) * (t.at(i) - mean);
        double std = Math.sqrt(squares / (t.size() - 1));
        if (!(std > 0)) throw new IllegalArgumentException("RandLoRA bases of shape " + java.util.Arrays.toString(t.shape()) + " have no spread to normalise");
        for (int i = 0; i < t.size(); i++) t.put(i, (float) (t.at(i) / std));
        return t;
    }

    /**
     * One layer shape's slices of the shared bases, laid out for the branch: with in ≤ out, A's
     * slice {@code a [r, m]} and {@code fixed = B̂ [out, R]} (the branch's B); otherwise
     * {@code a = A_sliceᵀ [m, r]} and {@code fixed = B̂ᵀ [R, in]} (the branch's A).
     */
    record Bases(int rank, int count, boolean inputIsSmaller, Tensor a, Tensor fixed) implements SharedProjections.Part {
        Bases(int r, int out, int in) {
            this(r, bases(Math.min(in, out), r), in <= out, in <= out ? Tensor.zeros(r, in) : Tensor.zeros(out, r),
                    in <= out ? Tensor.zeros(out, bases(in, r) * r) : Tensor.zeros(bases(out, r) * r, in));
        }

        @Override
        public void fill(Map<String, Tensor> shared) {
            Tensor sharedA = shared.get("randlora_A"), sharedB = shared.get("randlora_B");
            int small = inputIsSmaller ? a.cols() : a.rows(), large = inputIsSmaller ? fixed.rows() : fixed.cols();
            int smallMax = sharedA.dim(2), nMax = sharedB.dim(1), width = rank * count;
            for (int k = 0; k < rank; k++) {
                for (int j = 0; j < small; j++) {
                    float v = sharedA.at(k * smallMax + j);
                    a.put(inputIsSmaller ? k * small + j : j * rank + k, v);
                }
            }
            for (int i = 0; i < large; i++) {
                for (int c = 0; c < width; c++) {
                    float v = sharedB.at((i * nMax + c / rank) * rank + c % rank);
                    fixed.put(inputIsSmaller ? i * width + c : c * large + i, v);
                }
            }
        }
    }

    /** RandLoRA on one Linear: the scaled shared A is computed each step, the bases B̂ stay fixed. */
    public static final class Layer extends DerivedLowRank {
        private final Parameter lambda, gamma;
        private final Bases bases;
        private final SharedProjections projections;
        private final Buffers buffers;
        private final RowSums rowSums;
        /** I [n, n], for transposing γ and its gradient where in > out; null otherwise. */
        private final Tensor identity;

        Layer(AdapterSite site, LowRankBranch branch, Parameter lambda, Parameter gamma, Bases bases, SharedProjections projections) {
            super(branch, List.of(lambda, gamma));
            this.lambda = lambda;
            this.gamma = gamma;
            this.bases = bases;
            this.projections = projections;
            this.buffers = new Buffers(site.module() + "." + site.adapterName() + ".randlora");
            int n = bases.count(), small = gamma.value().cols();
            this.rowSums = new RowSums(small);
            this.identity = bases.inputIsSmaller() ? null : Tensor.zeros(n, n).named("identity" + n);
            for (int b = 0; identity != null && b < n; b++) identity.put(b * n + b, 1f);
        }

        @Override
        void computeFactors(Ops ops) {
            if (bases.inputIsSmaller()) scaleRows(ops, branch.a().value());
            else scaleColumns(ops, branch.b().value());
        }

        @Override
        void backpropagateFactors(Ops ops) {
            if (bases.inputIsSmaller()) backpropagateRows(ops, branch.a().grad());
            else backpropagateColumns(ops, branch.b().grad());
        }

        /** {@code Â} [R, m], rows {@code k·n .. k·n + n}: {@code diag(λ[k, :])·γ·diag(A[k, :])}. */
        private void scaleRows(Ops ops, Tensor scaled) {
            int n = bases.count();
            for (int k = 0; k < bases.rank(); k++) {
                ops.diagonalScale(lambda.value().rows(k, k + 1), gamma.value(), bases.a().rows(k, k + 1), scaled.rows(k * n, k * n + n));
            }
        }

        /** {@code dλ[c] += Σ_j dÂ[c, j]·(γ·diag(A_k))[c, j]}, {@code dγ += Σ_k diag(λ[k, :])·dÂ_k·diag(A[k, :])}. */
        private void backpropagateRows(Ops ops, Tensor dScaled) {
            int n = bases.count(), r = bases.rank(), small = gamma.value().cols();
            Tensor work = buffers.get("work", r * n, small);
            if (lambda.trainable()) {
                for (int k = 0; k < r; k++) ops.diagonalScale(null, gamma.value(), bases.a().rows(k, k + 1), work.rows(k * n, k * n + n));
                ops.mul(dScaled, work, work);
                rowSums.addTo(ops, work, lambda.grad());
            }
            if (gamma.trainable()) {
                for (int k = 0; k < r; k++) {
                    ops.diagonalScale(lambda.value().rows(k, k + 1), dScaled.rows(k * n, k * n + n), bases.a().rows(k, k + 1),
                            work.rows(k * n, k * n + n));
                }
                ops.biasGradient(work.reshape(r, n * small), gamma.grad().reshape(n * small));
            }
        }

        /** {@code Âᵀ} [m, R]: row j is {@code λ ⊙ (Aᵀ[j, :] ⊗ γᵀ[j, :])}, a batch of outer products. */
        private void scaleColumns(Ops ops, Tensor scaledT) {
            int n = bases.count(), r = bases.rank(), small = gamma.value().cols();
            Tensor gammaT = buffers.get("gammaT", small, n), outer = buffers.get("outer", small, r * n);
            ops.gemm(Transpose.T, Transpose.N, 1f, gamma.value(), identity, 0f, gammaT);
            ops.batchedGemm(Transpose.N, Transpose.N, 1f, bases.a().reshape(small, r, 1), gammaT.reshape(small, 1, n), 0f,
                    outer.reshape(small, r, n));
            ops.diagonalScale(null, outer, lambda.value(), scaledT);
        }

        /** {@code dλ += colsum(dÂᵀ ⊙ outer)}; {@code dγᵀ[j, :] = Aᵀ[j, :]·(dÂᵀ ⊙ λ)[j] as [r, n]}, transposed into dγ. */
        private void backpropagateColumns(Ops ops, Tensor dScaledT) {
            int n = bases.count(), r = bases.rank(), small = gamma.value().cols();
            Tensor work = buffers.get("work", small, r * n);
            if (lambda.trainable()) {
                ops.mul(dScaledT, buffers.get("outer", small, r * n), work);
                ops.biasGradient(work, lambda.grad().reshape(r * n));
            }
            if (gamma.trainable()) {
                Tensor dGammaT = buffers.get("dGammaT", small, n);
                ops.diagonalScale(null, dScaledT, lambda.value(), work);
                ops.batchedGemm(Transpose.N, Transpose.N, 1f, bases.a().reshape(small, 1, r), work.reshape(small, r, n), 0f,
                        dGammaT.reshape(small, 1, n));
                ops.gemm(Transpose.N, Transpose.T, 1f, identity, dGammaT, 1f, gamma.grad());
            }
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("randlora_lambda", lambda.value(), "randlora_gamma", gamma.value());
        }

        @Override public Map<String, Tensor> sharedPeftTensors() { return projections.tensors(); }
    }
}
