package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * LoRA-XS (Bałazy et al., 2024): only an r×r matrix R trains between frozen bases from the
 * truncated SVD {@code W ≈ U_r·S_r·V_rᵀ}:
 * <pre>
 *   y = x·Wᵀ + s·x·Aᵀ·Rᵀ·Bᵀ,   ΔW = s·B·R·A,   B = U_r [out, r],   A = S_r·V_rᵀ [r, in]
 * </pre>
 * so a layer trains r² values whatever its size. The singular values sit in A, as in the official
 * code (which decomposes Wᵀ and scales its left factor). s = α/r (rsLoRA: α/√r).
 * R ~ N(0, σ²) with σ = option {@code latent_init_std} (default 1e-5, the official code); σ = 0
 * starts from R = 0, an unchanged output. Saved as {@code lora_A.weight}, {@code lora_B.weight}
 * and {@code lora_latent_mapping.weight} (the official {@code default_lora_latent_mapping} without
 * the adapter name).
 */
public final class LoraXs implements AdapterMethod {
    @Override public String name() { return "lora-xs"; }
    @Override public String peftType() { return "LORA_XS"; }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank();
        Svd svd = Svd.top(Adapters.denseWeight(site, "LoRA-XS"), r);
        Tensor core = Tensor.normal(site.seed("lora_latent_mapping"), (float) site.config().option("latent_init_std", 1e-5), r, r);
        return latent(site, svd.u(), Adapters.scaleRows(svd.s(), svd.vt()), core, null);
    }

    /**
     * The LoRA-XS architecture with bases B [out, r], A [r, in] and core R [r, r] (also LoRA-SB's);
     * a non-null {@code awaiting} makes it refuse to train, saying so, until it is ready.
     */
    static FrozenBasisBranch.Additive latent(AdapterSite site, Tensor b, Tensor a, Tensor r, String awaiting) {
        Parameter core = Parameter.trainable(site.parameterName("lora_latent_mapping"), r);
        FrozenBasisBranch branch = new FrozenBasisBranch(site, "lora", a, b, new BranchCore.Dense(core), site.scaling());
        return new FrozenBasisBranch.Additive(List.of(branch), Map.of("lora_A.weight", branch.a(), "lora_B.weight", branch.b(),
                "lora_latent_mapping.weight", core.value()), awaiting);
    }
}
