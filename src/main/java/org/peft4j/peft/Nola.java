package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * NOLA (Koohpayegani et al., 2024): LoRA whose factors are mixtures of frozen random bases; only
 * the mixing coefficients train:
 * <pre>
 *   A = A₀ + Σ_k α_k·A_k,   B = Σ_k β_k·B_k,   ΔW = s·B·A,   s = α/r,   k = 1..num_basis
 * </pre>
 * A_k [r, in] and B_k [out, r] are uniform in ±1/√num_basis; A₀ is LoRA's Kaiming-uniform A
 * (±1/√in) and α = β = 0 at creation, so ΔW = 0 while ∂L/∂β ≠ 0 — as the authors' code
 * (UCDvision/NOLA, {@code NOLALinear}: generated weight plus a frozen initial weight).
 * {@code num_basis} is an option, default 128 (the authors' {@code nola_num_basis} default).
 *
 * <p>NOLA is not part of PEFT; its own {@code peft_type} is {@code NOLA} and it saves the
 * coefficients only, as {@code nola_alpha} [k] and {@code nola_beta} [k] (the authors' names):
 * the bases and A₀ follow from the config seed and the module name. The bases stay in memory,
 * k·r·(in + out) values per layer, where the authors regenerate them from a seed every step.
 */
public final class Nola implements AdapterMethod {
    @Override public String name() { return "nola"; }
    @Override public String peftType() { return "NOLA"; }

    @Override
    public Adapter create(AdapterSite site) {
        Adapters.requireDefaultInit(site, "NOLA");
        double requested = site.config().option("num_basis", 128);
        if (requested < 1 || requested != Math.rint(requested)) {
            throw new IllegalArgumentException("NOLA num_basis must be a whole number ≥ 1, got " + requested);
        }
        int k = (int) requested, r = site.rank(), in = site.linear().inFeatures(), out = site.linear().outFeatures();
        float bound = (float) (1 / Math.sqrt(k));
        Parameter basesA = Parameter.frozen(site.parameterName("nola_A_bases"), Tensor.uniform(site.seed("nola_A_bases"), bound, k, r * in));
        Parameter basesB = Parameter.frozen(site.parameterName("nola_B_bases"), Tensor.uniform(site.seed("nola_B_bases"), bound, k, out * r));
        Parameter initialA = Parameter.frozen(site.parameterName("nola_A0"), Tensor.uniform(site.seed("lora_A"), (float) (1 / Math.sqrt(in)), r, in));
        LowRankBranch branch = new LowRankBranch(site, Parameter.trainable(site.parameterName("lora_A"), Tensor.zeros(r, in)),
                Parameter.trainable(site.parameterName("lora_B"), Tensor.zeros(out, r)), site.scaling());
        return new Layer(branch, Parameter.trainable(site.parameterName("nola_alpha"), Tensor.zeros(k)),
                Parameter.trainable(site.parameterName("nola_beta"), Tensor.zeros(k)), basesA, basesB, initialA);
    }

    /** NOLA on one Linear: A and B mixed from their bases every step. */
    public static final class Layer extends DerivedLowRank {
        private final Parameter alpha, beta, basesA, basesB, initialA;

        Layer(LowRankBranch branch, Parameter alpha, Parameter beta, Parameter basesA, Parameter basesB, Parameter initialA) {
            super(branch, List.of(alpha, beta, basesA, basesB, initialA));
            this.alpha = alpha;
            this.beta = beta;
            this.basesA = basesA;
            this.basesB = basesB;
            this.initialA = initialA;
        }

        /** The frozen bases of A, one flattened [r, in] matrix per row. */
        public Tensor basesA() { return basesA.value(); }

        /** The frozen bases of B, one flattened [out, r] matrix per row. */
        public Tensor basesB() { return basesB.value(); }

        /** The frozen A₀ that the mixture of A is added to. */
        public Tensor initialA() { return initialA.value(); }

        /** {@code A = A₀ + α·bases_A}, {@code B = β·bases_B} (coefficient rows times basis rows). */
        @Override
        void computeFactors(Ops ops) {
            Tensor a = branch.a().value(), b = branch.b().value();
            ops.copy(initialA.value(), a);
            ops.gemm(Transpose.N, Transpose.N, 1f, row(alpha.value()), basesA.value(), 1f, row(a));
            ops.gemm(Transpose.N, Transpose.N, 1f, row(beta.value()), basesB.value(), 0f, row(b));
        }

        /** {@code dα += bases_A·vec(dA)}, {@code dβ += bases_B·vec(dB)}. */
        @Override
        void backpropagateFactors(Ops ops) {
            if (alpha.trainable()) ops.gemm(Transpose.N, Transpose.T, 1f, row(branch.a().grad()), basesA.value(), 1f, row(alpha.grad()));
            if (beta.trainable()) ops.gemm(Transpose.N, Transpose.T, 1f, row(branch.b().grad()), basesB.value(), 1f, row(beta.grad()));
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("nola_alpha", alpha.value(), "nola_beta", beta.value());
        }

        private static Tensor row(Tensor t) {
            return t.reshape(1, t.size());
        }
    }
}
