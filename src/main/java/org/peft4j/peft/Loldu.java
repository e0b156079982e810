package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.linalg.Ldu;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * LoLDU (Shi et al., 2024): the LDU decomposition with row pivoting {@code W = P·L·diag(D)·U}
 * (L unit lower, U unit upper triangular) gives frozen bases from its leading r columns of L and
 * rows of U, between which only a diagonal z [r] and a scalar k train:
 * <pre>
 *   ΔW = k·(P·L_r)·diag(z)·U_r,   W_res = W − k₀·(P·L_r)·diag(D_r)·U_r,   y = x·W_resᵀ + x·ΔWᵀ
 * </pre>
 * Initialisation ({@code init_lora_weights}), as the official code's {@code init_method}:
 * <ul>
 *   <li>{@code default} ("lu"): z = D_r, k = k₀ = α/r (rsLoRA α/√r), and the base keeps the
 *       residual W_res, so the layer starts at W up to float32 rounding;</li>
 *   <li>{@code zeros}: z = 0, k = α/r and the base is left as it is, so ΔW = 0.</li>
 * </ul>
 * r + 1 values train per layer. Saved under the official parameter names: {@code lora_A} (U_r
 * [r, in]), {@code lora_B} (P·L_r [out, r]: the official L_r with its separate P applied),
 * {@code vector_z} [r] and {@code scaling_factor} [1].
 */
public final class Loldu implements AdapterMethod {
    @Override public String name() { return "loldu"; }
    @Override public String peftType() { return "LOLDU"; }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank();
        Tensor w = Adapters.denseWeight(site, "LoLDU");
        Ldu ldu;
        try {
            ldu = Ldu.of(w);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(site.module() + ": LoLDU cannot decompose the base weight: " + e.getMessage(), e);
        }
        Tensor lower = ldu.permutedLower(r), upper = ldu.leadingUpper(r);
        Parameter z = Parameter.trainable(site.parameterName("vector_z"), switch (site.config().init()) {
            case "default", "true", "lu" -> ldu.leadingPivots(r);
            case "zeros" -> Tensor.zeros(r);
            default -> throw new IllegalArgumentException("init_lora_weights '" + site.config().init() + "' is not one of default, zeros for LoLDU");
        });
        Parameter k = Parameter.trainable(site.parameterName("scaling_factor"), Tensor.of(new float[] {site.scaling()}, 1));
        FrozenBasisBranch branch = new FrozenBasisBranch(site, "lora", upper, lower, new BranchCore.ScaledDiagonal(z, k), 1f);
        Adapters.subtract(w, branch.deltaWeight());
        return new FrozenBasisBranch.Additive(List.of(branch), Map.of("lora_A", upper, "lora_B", lower,
                "vector_z", z.value(), "scaling_factor", k.value()));
    }
}
