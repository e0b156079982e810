package org.peft4j.peft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * LoRA-SB (Ponkshe et al., 2024): LoRA-XS's architecture {@code ΔW = s·B·R·A} (B, A frozen, R
 * [r, r] trained), initialised so that s·B·R·A is the best rank-r approximation of full
 * fine-tuning's first update ΔŴ:
 * <pre>
 *   Ḡ = mean W-gradient over a few batches          ΔŴ = −η·sign(Ḡ) (Adam's first step)  or  −η·Ḡ (SGD)
 *   ΔŴ ≈ U_r·S_r·V_rᵀ:   B = U_r,   A = V_rᵀ,   R = S_r/s     ⇒   s·B·R·A = U_r·S_r·V_rᵀ
 * </pre>
 * so the model starts from W + ΔŴ_r, and B, A span ΔŴ's top singular subspaces. The official
 * code takes the sign form with η = lr/(warmup_ratio·total_steps), the learning rate of the first
 * warm-up step, over a handful of samples, and sets α = r (s = 1).
 * <p>Because the initialisation needs gradients, it is a separate step:
 * <pre>
 *   peft.addAdapter("default", AdapterConfig.of("lora-sb", r, r, targets));   // B = A = R = 0
 *   var g = LoraSb.accumulateGradients(ops, peft, "default", batches);
 *   LoraSb.initializeFromGradients(peft, "default", g, eta, LoraSb.FirstUpdate.SIGN);
 * </pre>
 * Until then the adapter leaves the output unchanged and refuses to train. Saved like LoRA-XS.
 */
public final class LoraSb implements AdapterMethod {
    @Override public String name() { return "lora-sb"; }
    @Override public String peftType() { return "LORA_SB"; }

    /** How full fine-tuning's first update is approximated from the accumulated gradient Ḡ. */
    public enum FirstUpdate {
        /** {@code −η·sign(Ḡ)}: Adam's first step, the paper's choice. */
        SIGN,
        /** {@code −η·Ḡ}: a plain gradient step. */
        GRADIENT;

        Tensor of(String module, Tensor gradient, float learningRate) {
            Tensor update = Tensor.zeros(gradient.shape());
            for (int i = 0; i < update.size(); i++) {
                float g = gradient.at(i);
                if (!Float.isFinite(g)) throw new IllegalArgumentException("the gradient of " + module + " holds " + g + " at " + i);
                update.put(i, -learningRate * (this == SIGN ? Math.signum(g) : g));
            }
            return update;
        }
    }

    /** Accumulates the base-weight gradients over {@code batches} and starts from the sign-of-gradient first update. */
    @Override
    public void initializeFromData(Ops ops, PeftModel model, String adapter, List<TokenBatch> batches, double learningRate) {
        initializeFromGradients(model, adapter, accumulateGradients(ops, model, adapter, batches), (float) learningRate, FirstUpdate.SIGN);
    }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank();
        return LoraXs.latent(site, Tensor.zeros(site.linear().outFeatures(), r), Tensor.zeros(r, site.linear().inFeatures()),
                Tensor.zeros(r, r), site.module() + ": LoRA-SB adapter '" + site.adapterName()
                        + "' is not initialised; call LoraSb.initializeFromGradients before training");
    }

    /**
     * The mean gradient of the loss with respect to the base weight of every module adapter
     * {@code adapter} targets, over {@code batches} (training-mode forward passes). The base weights
     * are unfrozen for this and frozen again after; every gradient buffer is left zeroed.
     *
     * @return module name → Ḡ [out, in]
     */
    public static Map<String, Tensor> accumulateGradients(Ops ops, PeftModel model, String adapter, Iterable<TokenBatch> batches) {
        Map<String, Parameter> weights = new LinkedHashMap<>();
        for (String module : adapterSet(model, adapter).byModule().keySet()) {
            if (!(model.linears().get(module).weight() instanceof DenseWeight dense)) {
                throw new IllegalArgumentException(module + ": LoRA-SB needs the gradient of a dense base weight");
            }
            weights.put(module, dense.weight());
        }
        List<Parameter> unfrozen = weights.values().stream().filter(p -> !p.trainable()).toList();
        unfrozen.forEach(p -> p.setTrainable(true));
        try {
            model.parameters().forEach(Parameter::zeroGrad);
            int count = 0;
            for (TokenBatch batch : batches) {
                model.forward(ops, batch, true);
                model.loss(ops, batch);
                model.backward(ops, true);
                count++;
            }
            if (count == 0) throw new IllegalArgumentException("accumulating gradients needs at least one batch");
            Map<String, Tensor> mean = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : weights.entrySet()) {
                Tensor g = Tensor.zeros(e.getValue().grad().shape());
                for (int i = 0; i < g.size(); i++) g.put(i, e.getValue().grad().at(i) / count);
                mean.put(e.getKey(), g);
            }
            return mean;
        } finally {
            unfrozen.forEach(p -> p.setTrainable(false));
            model.parameters().forEach(Parameter::zeroGrad);
        }
    }

    /**
     * Sets B, A and R of every layer of the LoRA-SB adapter {@code adapter} from the accumulated
     * gradients (module → Ḡ [out, in], as {@link #accumulateGradients} returns them).
     *
     * @param learningRate η, the learning rate of the first full fine-tuning step being approximated
     */
    public static void initializeFromGradients(PeftModel model, String adapter, Map<String, Tensor> gradients,
                                               float learningRate, FirstUpdate update) {
        PeftModel.AdapterSet set = adapterSet(model, adapter);
        if (!(set.method() instanceof LoraSb)) {
            throw new IllegalArgumentException("adapter '" + adapter + "' is " + set.method().name() + ", not lora-sb");
        }
        if (!(learningRate > 0 && Float.isFinite(learningRate))) {
            throw new IllegalArgumentException("the first-step learning rate must be positive and finite, got " + learningRate);
        }
        List<String> missing = new ArrayList<>(set.byModule().keySet());
        missing.removeAll(gradients.keySet());
        if (!missing.isEmpty()) throw new IllegalArgumentException("no accumulated gradient for modules " + missing);
        set.byModule().forEach((module, adapted) -> {
            FrozenBasisBranch.Additive latent = (FrozenBasisBranch.Additive) adapted;
            FrozenBasisBranch branch = latent.branches().get(0);
            Tensor g = gradients.get(module);
            Shapes.require("LoRA-SB initialisation", "gradient of " + module, g, branch.b().dim(0), branch.a().dim(1));
            Svd svd = Svd.top(update.of(module, g, learningRate), branch.rank());
            branch.b().copyFrom(svd.u());
            branch.a().copyFrom(svd.vt());
            ((BranchCore.Dense) branch.core()).r().value().copyFrom(Adapters.diagonal(svd.s(), 1f / branch.scale()));
            latent.ready();
        });
    }

    private static PeftModel.AdapterSet adapterSet(PeftModel model, String adapter) {
        PeftModel.AdapterSet set = model.adapters().get(adapter);
        if (set == null) throw new IllegalArgumentException("no adapter named '" + adapter + "'; have " + model.adapters().keySet());
        return set;
    }
}
