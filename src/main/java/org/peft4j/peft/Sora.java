package org.peft4j.peft;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * SoRA (Ding et al., 2023): LoRA with a gate g [r] between A and B whose L1 penalty, optimised by
 * proximal gradient, switches rank components off during training; the survivors are then
 * {@link #prune pruned} into a plain LoRA of smaller rank:
 * <pre>
 *   y = x·Wᵀ + s·((x·Aᵀ) ⊙ g)·Bᵀ        A [r, in], B [out, r], g [r], s = α/r (rsLoRA: α/√r)
 *   after each optimizer step:  g ← T_ηλ(g − η·∇g),   T_τ(v) = sign(v)·max(|v| − τ, 0)
 * </pre>
 * η is the step's learning rate and λ the option {@code sparse_lambda} (default 1e-3, the official
 * default of the L1 coefficient). The gate follows this proximal SGD, the paper's update, whatever
 * optimizer trains A and B: {@code beforeStep} keeps g, and {@code afterOptimizerStep} replaces the
 * optimizer's update of g by the proximal step from the kept g and its (clipped) gradient. g stays a
 * trainable parameter, so it is clipped with the others, checkpointed and resumed; a frozen g stays
 * as it is. The official code differs: it steps g with a separate AdamW, then thresholds by a fixed
 * ξ ({@code sparse_lambda_2}, default 1e-3, not scaled by η) and adds λ·mean|g| to the loss;
 * {@code sparse_lambda} = ξ/η gives its threshold. Initialisation as the official code: A
 * Kaiming-uniform, B = 0, g ~ N(0, 1). PEFT has no SoRA; the tensors are {@code lora_A.weight},
 * {@code lora_B.weight} and {@code lora_gate.weight} [r].
 */
public final class Sora implements AdapterMethod {
    @Override public String name() { return "sora"; }
    @Override public String peftType() { return "SORA"; }

    @Override
    public Adapter create(AdapterSite site) {
        double lambda = site.config().option("sparse_lambda", 1e-3);
        if (!(lambda >= 0 && Double.isFinite(lambda))) {
            throw new IllegalArgumentException("sora: sparse_lambda must be finite and ≥ 0, got " + lambda);
        }
        LowRankBranch.Factors factors = LowRankBranch.Factors.loraDefault(site);
        Parameter gate = Parameter.trainable(site.parameterName("lora_gate"), Tensor.normal(site.seed("lora_gate"), 1f, site.rank()));
        return new Gated(new LowRankBranch(site, factors.a(), factors.b(), site.scaling(), LowRankBranch.Gate.of(gate)),
                site.module(), gate, lambda);
    }

    /**
     * Adds adapter {@code prunedName} to {@code model}: a plain LoRA on each module whose gate has
     * non-zero entries K, of rank |K|, with A' = A[K] and B' = (s/s')·B[:, K]·diag(g[K]) (s' its own
     * scale), so that it computes what SoRA adapter {@code soraName} computes; modules whose gates are
     * all zero get none. The pruned adapter becomes the active one; the SoRA adapter stays until deleted.
     *
     * @throws IllegalStateException when every gate is zero
     */
    public static PeftModel.AdapterSet prune(PeftModel model, String soraName, String prunedName) {
        PeftModel.AdapterSet sora = model.adapters().get(soraName);
        if (sora == null) throw new IllegalArgumentException("no adapter named '" + soraName + "'; have " + model.adapters().keySet());
        Map<String, int[]> open = new LinkedHashMap<>();
        sora.byModule().forEach((module, adapter) -> {
            if (!(adapter instanceof Gated gated)) throw new IllegalArgumentException("adapter '" + soraName + "' is " + sora.method().name() + ", not sora");
            int[] k = gated.openComponents();
            if (k.length > 0) open.put(module, k);
        });
        if (open.isEmpty()) throw new IllegalStateException("every gate of SoRA adapter '" + soraName + "' is zero: no component is left to keep");
        AdapterConfig c = sora.config();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        open.forEach((module, k) -> ranks.put(module, k.length));
        AdapterConfig lora = new AdapterConfig("lora", ranks.values().stream().max(Integer::compare).orElseThrow(), c.alpha(), c.dropout(),
                TargetModules.of(open.keySet().toArray(String[]::new)), c.useRslora(), "default", ranks, c.alphaPattern(),
                c.modulesToSave(), Map.of(), c.seed());
        PeftModel.AdapterSet pruned = model.addAdapter(prunedName, lora);
        open.forEach((module, k) -> ((Gated) sora.byModule().get(module)).copyOpenComponents(k, ((Lora.Additive) pruned.byModule().get(module)).branch()));
        model.setActiveAdapter(prunedName);
        return pruned;
    }

    /** SoRA on one layer: the gated low-rank branch and the proximal step on its gate. */
    public static final class Gated implements LowRankBranch.BranchAdapter {
        private final LowRankBranch branch;
        private final String module;
        private final Parameter gate;
        private final double lambda;
        private final float[] kept;
        private long keptStep = -1;

        Gated(LowRankBranch branch, String module, Parameter gate, double lambda) {
            this.branch = branch;
            this.module = module;
            this.gate = gate;
            this.lambda = lambda;
            this.kept = new float[gate.value().size()];
        }

        @Override public LowRankBranch branch() { return branch; }
        public Parameter gate() { return gate; }

        /** Keeps g as it is before this step's optimizer update. */
        @Override
        public void beforeStep(long step) {
            System.arraycopy(gate.value().data(), gate.value().offset(), kept, 0, kept.length);
            keptStep = step;
        }

        /** g ← T_ηλ(g_kept − η·∇g), replacing whatever the optimizer did to g. */
        @Override
        public void afterOptimizerStep(long step, double learningRate) {
            if (!gate.trainable()) return;
            if (keptStep != step) {
                throw new IllegalStateException(module + ": SoRA's proximal step for step " + step + " needs beforeStep(" + step
                        + ") first (the gate was last kept at step " + keptStep + ")");
            }
            Tensor g = gate.value(), grad = gate.grad();
            double threshold = learningRate * lambda;
            for (int i = 0; i < kept.length; i++) {
                double v = kept[i] - learningRate * grad.at(i), shrunk = Math.abs(v) - threshold;
                g.put(i, shrunk > 0 ? (float) Math.copySign(shrunk, v) : 0f);
            }
        }

        @Override
        public boolean touchesTrainableValues() { return gate.trainable(); }

        /** The indices k with g_k ≠ 0, in order. */
        public int[] openComponents() {
            Tensor g = gate.value();
            return IntStream.range(0, g.size()).filter(i -> g.at(i) != 0f).toArray();
        }

        /** Writes A[k] and (s/s')·B[:, k]·diag(g[k]) into the rank-|k| branch {@code target} of scale s'. */
        private void copyOpenComponents(int[] k, LowRankBranch target) {
            Tensor a = branch.a().value(), b = branch.b().value(), g = gate.value();
            Tensor a2 = target.a().value(), b2 = target.b().value();
            double factor = (double) branch.scale() / target.scale();
            int out = b.dim(0);
            for (int c = 0; c < k.length; c++) {
                a2.slice(c, c + 1).copyFrom(a.slice(k[c], k[c] + 1));
                for (int i = 0; i < out; i++) b2.set((float) ((double) b.get(i, k[c]) * g.at(k[c]) * factor), i, c);
            }
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("lora_A.weight", branch.a().value(), "lora_B.weight", branch.b().value(), "lora_gate.weight", gate.value());
        }
    }
}
