package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * SVFit (Sun et al., 2024): the weight splits into its best rank-r approximation and a residual,
 * {@code W = W_r + W_e} with {@code W_r = U_r·diag(σ)·V_rᵀ}; U_r, V_r and W_e are frozen and only
 * the r singular values train:
 * <pre>
 *   y = x·W_eᵀ + x·V_r·diag(σ')·U_rᵀ,   σ' [r] initialised to σ
 * </pre>
 * As in the paper, the base weight is replaced by W_e (the layer starts at W up to float32
 * rounding) and the trainable vector holds the singular values σ' themselves, so the change from
 * the pre-trained weight is {@code U_r·diag(σ' − σ)·V_rᵀ}, zero at initialisation; merging adds
 * {@code U_r·diag(σ')·V_rᵀ} back to W_e. r values train per layer; lora_alpha is not used.
 * Saved as {@code svfit_A.weight} (V_rᵀ [r, in]), {@code svfit_B.weight} (U_r [out, r]) and
 * {@code svfit_S.weight} (σ' [r]).
 */
public final class SvFit implements AdapterMethod {
    @Override public String name() { return "svfit"; }
    @Override public String peftType() { return "SVFIT"; }

    @Override
    public Adapter create(AdapterSite site) {
        Tensor w = Adapters.denseWeight(site, "SVFit");
        Svd svd = Svd.top(w, site.rank());
        Parameter sigma = Parameter.trainable(site.parameterName("svfit_S"), svd.s());
        FrozenBasisBranch branch = new FrozenBasisBranch(site, "svfit", svd.vt(), svd.u(), new BranchCore.Diagonal(sigma), 1f);
        Adapters.subtract(w, branch.deltaWeight());
        return new FrozenBasisBranch.Additive(List.of(branch),
                Map.of("svfit_A.weight", branch.a(), "svfit_B.weight", branch.b(), "svfit_S.weight", sigma.value()));
    }
}
