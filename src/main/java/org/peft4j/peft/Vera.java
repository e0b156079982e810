package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.Seeds;
import org.peft4j.tensor.Tensor;

/**
 * VeRA (Kopiczko et al., 2024): frozen random {@code A [r, in_max]} and {@code B [out_max, r]}
 * shared by every layer, each layer training two scaling vectors only:
 * <pre>
 *   ΔW = Λ_b·B[:out, :]·Λ_d·A[:, :in],   Λ_b = diag(b), b [out] = 0;   Λ_d = diag(d), d [r] = d_initial
 * </pre>
 * so ΔW = 0 at creation. As PEFT's {@code _kaiming_init}, A and B are uniform in ±√(6/fan_in)
 * (fan_in = in_max for A, r for B), drawn from {@code projection_prng_key} (option, default 0);
 * {@code d_initial} is an option (default 0.1, PEFT's). VeRA has no scaling: lora_alpha is unused.
 *
 * <p>PEFT keys: {@code vera_lambda_b}, {@code vera_lambda_d} per module, and {@code vera_A},
 * {@code vera_B} once per model ({@link Layer#sharedPeftTensors}, PEFT's {@code base_model.vera_A} with
 * {@code save_projection = true}: PEFT draws with torch's generator, so the projections must be
 * saved rather than re-derived from the key).
 */
public final class Vera implements AdapterMethod {
    @Override public String name() { return "vera"; }
    @Override public String peftType() { return "VERA"; }

    @Override
    public Adapter create(AdapterSite site) {
        Adapters.requireDefaultInit(site, "VeRA");
        Adapters.requireSharedRank(site, "VeRA");
        int r = site.rank(), in = site.linear().inFeatures(), out = site.linear().outFeatures();
        long key = (long) site.config().option("projection_prng_key", 0);
        SharedProjections projections = SharedProjections.of(site, (maxOut, maxIn) -> Map.of(
                "vera_A", Tensor.uniform(Seeds.of(key, "vera_A"), (float) Math.sqrt(6.0 / maxIn), r, maxIn),
                "vera_B", Tensor.uniform(Seeds.of(key, "vera_B"), (float) Math.sqrt(6.0 / r), maxOut, r)));
        Slices slices = projections.part(out, in, (o, i) -> new Slices(Tensor.zeros(r, i), Tensor.zeros(o, r)));
        Parameter d = Parameter.trainable(site.parameterName("vera_lambda_d"),
                Tensor.zeros(r).fill((float) site.config().option("d_initial", 0.1)));
        Parameter b = Parameter.trainable(site.parameterName("vera_lambda_b"), Tensor.zeros(out));
        LowRankBranch branch = new LowRankBranch(site, Parameter.trainable(site.parameterName("vera_scaled_A"), Tensor.zeros(r, in)),
                Parameter.trainable(site.parameterName("vera_scaled_B"), Tensor.zeros(out, r)), 1f);
        return new Layer(branch, d, b, slices, projections);
    }

    /** One layer's slices of the shared projections: {@code A[:, :in]} and {@code B[:out, :]}. */
    record Slices(Tensor a, Tensor b) implements SharedProjections.Part {
        @Override
        public void fill(Map<String, Tensor> shared) {
            Tensor sharedA = shared.get("vera_A");
            int in = a.cols(), maxIn = sharedA.cols();
            for (int k = 0; k < a.rows(); k++) a.rows(k, k + 1).copyFrom(sharedA.rows(k, k + 1).reshape(maxIn).slice(0, in));
            b.copyFrom(shared.get("vera_B").slice(0, b.rows()));
        }
    }

    /** VeRA on one Linear: the branch runs with {@code A' = Λ_d·A} and {@code B' = Λ_b·B}. */
    public static final class Layer extends DerivedLowRank {
        private final Parameter d, b;
        private final Slices slices;
        private final SharedProjections projections;
        private final Tensor productA, productB;
        private final RowSums sumsOverInputs, sumsOverRank;

        Layer(LowRankBranch branch, Parameter d, Parameter b, Slices slices, SharedProjections projections) {
            super(branch, List.of(b, d));
            this.d = d;
            this.b = b;
            this.slices = slices;
            this.projections = projections;
            this.productA = Tensor.zeros(slices.a().shape());
            this.productB = Tensor.zeros(slices.b().shape());
            this.sumsOverInputs = new RowSums(slices.a().cols());
            this.sumsOverRank = new RowSums(slices.b().cols());
        }

        /** The frozen {@code A[:, :in]} this layer uses. */
        public Tensor projectionA() { return slices.a(); }

        /** The frozen {@code B[:out, :]} this layer uses. */
        public Tensor projectionB() { return slices.b(); }

        @Override
        void computeFactors(Ops ops) {
            ops.diagonalScale(d.value(), slices.a(), null, branch.a().value());
            ops.diagonalScale(b.value(), slices.b(), null, branch.b().value());
        }

        /** {@code dd += rowsum(dA' ⊙ A)}, {@code db += rowsum(dB' ⊙ B)}. */
        @Override
        void backpropagateFactors(Ops ops) {
            if (d.trainable()) {
                ops.mul(branch.a().grad(), slices.a(), productA);
                sumsOverInputs.addTo(ops, productA, d.grad());
            }
            if (b.trainable()) {
                ops.mul(branch.b().grad(), slices.b(), productB);
                sumsOverRank.addTo(ops, productB, b.grad());
            }
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("vera_lambda_b", b.value(), "vera_lambda_d", d.value());
        }

        @Override public Map<String, Tensor> sharedPeftTensors() { return projections.tensors(); }
    }
}
