package org.peft4j.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * SALT (Elsayed et al., 2025): with the thin SVD {@code W = U·diag(σ)·Vᵀ} (k = min(out, in)),
 * the top r singular values get a trainable scale α and shift β, and the remaining k − r singular
 * directions a LoRA X·Y in singular-value coordinates:
 * <pre>
 *   W' = U_r·diag(α ⊙ σ_r + β)·V_rᵀ + U_⊥·(diag(σ_⊥) + X·Y)·V_⊥ᵀ
 *   ΔW = U_r·diag((α − 1) ⊙ σ_r + β)·V_rᵀ + U_⊥·X·Y·V_⊥ᵀ
 * </pre>
 * α = 1, β = 0 [r]; X [k − r, q] Kaiming-uniform with bound √(6/q) and Y = 0 [q, k − r], as the
 * official code ({@code trainable_X}, {@code trainable_Y}), so W' = W at initialisation. r is the
 * adapter rank, q the option {@code salt_lora_rank} (default 8, the official {@code r_lora});
 * 2r + 2(k − r)·q values train per layer; lora_alpha is not used (the official code has no scaling).
 * <p>Left out: the official forward takes an element-wise ReLU of the whole modified k×k
 * singular-value matrix (which also clips negative entries of X·Y) and returns the norms of both
 * updates as an extra loss; here the update stays linear, so it runs as two low-rank paths and
 * merges exactly, and no loss term is added.
 * <p>Saved under the official parameter names {@code trainable_scale_A}, {@code trainable_shift_B},
 * {@code trainable_X} and {@code trainable_Y}, with the frozen bases the official code recomputes:
 * {@code salt_top_A} (V_rᵀ), {@code salt_top_B} (U_r), {@code salt_residual_A} (V_⊥ᵀ),
 * {@code salt_residual_B} (U_⊥) and {@code salt_S} (σ_r).
 */
public final class Salt implements AdapterMethod {
    @Override public String name() { return "salt"; }
    @Override public String peftType() { return "SALT"; }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank(), q = Adapters.intOption(site, "salt_lora_rank", 8, 1, Integer.MAX_VALUE);
        Tensor w = Adapters.denseWeight(site, "SALT");
        int k = Math.min(w.rows(), w.cols());
        Svd svd = Svd.top(w, k);
        Tensor sigma = svd.s().slice(0, r).copy();
        Parameter scale = Parameter.trainable(site.parameterName("trainable_scale_A"), Tensor.zeros(r).fill(1f));
        Parameter shift = Parameter.trainable(site.parameterName("trainable_shift_B"), Tensor.zeros(r));
        List<FrozenBasisBranch> branches = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        FrozenBasisBranch top = new FrozenBasisBranch(site, "salt_top", svd.vt().slice(0, r).copy(), Adapters.columns(svd.u(), 0, r),
                new BranchCore.ScaleShift(scale, shift, sigma), 1f);
        branches.add(top);
        tensors.putAll(Map.of("trainable_scale_A", scale.value(), "trainable_shift_B", shift.value(), "salt_S", sigma,
                "salt_top_A", top.a(), "salt_top_B", top.b()));
        if (k > r) {
            Parameter x = Parameter.trainable(site.parameterName("trainable_X"),
                    Tensor.uniform(site.seed("trainable_X"), (float) Math.sqrt(6.0 / q), k - r, q));
            Parameter y = Parameter.trainable(site.parameterName("trainable_Y"), Tensor.zeros(q, k - r));
            FrozenBasisBranch residual = new FrozenBasisBranch(site, "salt_residual", svd.vt().slice(r, k).copy(),
                    Adapters.columns(svd.u(), r, k), new BranchCore.LowRank(x, y), 1f);
            branches.add(residual);
            tensors.putAll(Map.of("trainable_X", x.value(), "trainable_Y", y.value(),
                    "salt_residual_A", residual.a(), "salt_residual_B", residual.b()));
        }
        return new FrozenBasisBranch.Additive(branches, tensors);
    }
}
