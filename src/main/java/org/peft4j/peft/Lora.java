package org.peft4j.peft;

import java.util.Map;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * LoRA (Hu et al., 2021): {@code y = x·Wᵀ + s·x·Aᵀ·Bᵀ}, A [r, in], B [out, r], s = α/r
 * (rsLoRA: α/√r). Initialisation ({@code init_lora_weights}):
 * <ul>
 *   <li>{@code default}: A Kaiming-uniform (bound 1/√in, as PEFT), B = 0, so ΔW = 0;</li>
 *   <li>{@code gaussian}: A ~ N(0, 1/r²), B = 0;</li>
 *   <li>{@code pissa} (Meng et al., 2024): W = U·S·Vᵀ; A = √S_r·V_rᵀ/√s, B = U_r·√S_r/√s, and the
 *       base keeps the residual W − s·B·A, so the adapted layer starts exactly at W.</li>
 * </ul>
 */
public final class Lora implements AdapterMethod {
    @Override public String name() { return "lora"; }
    @Override public String peftType() { return "LORA"; }

    @Override
    public Adapter create(AdapterSite site) {
        return new Additive(branch(site));
    }

    /** The initialised low-rank branch of {@code site}, shared with variants that build on LoRA (DoRA). */
    static LowRankBranch branch(AdapterSite site) {
        int r = site.rank(), in = site.linear().inFeatures(), out = site.linear().outFeatures();
        Tensor a, b;
        switch (site.config().init()) {
            case "default", "true" -> {
                a = Tensor.uniform(site.seed("lora_A"), (float) (1 / Math.sqrt(in)), r, in);
                b = Tensor.zeros(out, r);
            }
            case "gaussian" -> {
                a = Tensor.normal(site.seed("lora_A"), 1f / r, r, in);
                b = Tensor.zeros(out, r);
            }
            case "pissa" -> {
                Tensor[] ab = pissa(site);
                a = ab[0];
                b = ab[1];
            }
            default -> throw new IllegalArgumentException("init_lora_weights '" + site.config().init()
                    + "' is not one of default, gaussian, pissa");
        }
        return new LowRankBranch(site, Parameter.trainable(site.parameterName("lora_A"), a),
                Parameter.trainable(site.parameterName("lora_B"), b), site.scaling());
    }

    /** PiSSA factors from the top-r SVD of the base weight, which is replaced by its residual. */
    private static Tensor[] pissa(AdapterSite site) {
        Tensor w = Adapters.denseWeight(site, "PiSSA");
        Svd svd = Svd.top(w, site.rank());
        float s = site.scaling();
        int r = site.rank(), in = w.cols(), out = w.rows();
        Tensor a = Tensor.zeros(r, in), b = Tensor.zeros(out, r);
        for (int k = 0; k < r; k++) {
            float root = (float) Math.sqrt(svd.s().at(k) / s);
            for (int j = 0; j < in; j++) a.put(k * in + j, root * svd.vt().at(k * in + j));
            for (int i = 0; i < out; i++) b.put(i * r + k, svd.u().at(i * r + k) * root);
        }
        Adapters.subtractScaledProduct(w, s, b, a);
        return new Tensor[] {a, b};
    }

    /** An adapter that only adds its low-rank branch: LoRA itself, and any variant that is LoRA at inference. */
    public record Additive(LowRankBranch branch) implements LowRankBranch.BranchAdapter {
        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("lora_A.weight", branch.a().value(), "lora_B.weight", branch.b().value());
        }
    }
}
