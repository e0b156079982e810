package org.peft4j.experiment;

import java.util.List;
import java.util.function.Predicate;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.AdjustedOptimizer;
import org.peft4j.optim.Allora;
import org.peft4j.optim.DctProjector;
import org.peft4j.optim.GaLoreAdamW;
import org.peft4j.optim.GradientProjector;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.LoraPair;
import org.peft4j.optim.LoraPro;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.optim.SgdMomentum;
import org.peft4j.optim.SvdProjector;
import org.peft4j.peft.Adapter;
import org.peft4j.peft.Lora;
import org.peft4j.peft.PeftModel;

/** Builds the optimizer and schedule an {@link ExperimentSpec} names. */
public final class Optimizers {
    private Optimizers() {}

    /** Output heads, left unprojected as GaLore's pretraining script leaves {@code lm_head}. */
    private static final List<String> HEADS = List.of("lm_head.", "classifier.");

    /**
     * The matrices GaLore projects by default: 2-D weights that take weight decay and are not embeddings
     * ({@link ParameterGroup#decays} with {@code decayEmbeddings = false}) nor output heads, i.e. the attention
     * and MLP weights, as the repository's {@code target_modules_list = ["attn", "mlp"]}.
     */
    public static final Predicate<Parameter> HIDDEN_MATRICES = p -> p.value().rank() == 2
            && ParameterGroup.decays(p.name(), false) && HEADS.stream().noneMatch(p.name()::startsWith);

    public static Optimizer create(ExperimentSpec.OptimizerSpec o, List<Parameter> parameters) {
        return create(o, parameters, HIDDEN_MATRICES);
    }

    /** As {@link #create(ExperimentSpec.OptimizerSpec, List)}, with {@code projected} choosing what galore and dct project. */
    public static Optimizer create(ExperimentSpec.OptimizerSpec o, List<Parameter> parameters, Predicate<Parameter> projected) {
        List<ParameterGroup> groups = ParameterGroup.decayAndNoDecay(parameters, o.weightDecay(), false);
        var adam = new AdamWOptimizer.Settings(o.beta1(), o.beta2(), o.eps());
        return switch (o.name()) {
            case "adamw" -> new AdamWOptimizer(groups, adam, AdamWKernel.BACKEND_FUSED);
            case "sgd" -> new SgdMomentum(groups, o.momentum(), false);
            case "galore" -> lowRank(o, groups, projected, SvdProjector::new, adam);
            case "dct" -> lowRank(o, groups, projected, DctProjector.factory(), adam);
            default -> throw new IllegalArgumentException("optimizer.name must be adamw, sgd, galore or dct, got '" + o.name() + "'");
        };
    }

    private static Optimizer lowRank(ExperimentSpec.OptimizerSpec o, List<ParameterGroup> groups, Predicate<Parameter> projected,
                                     GradientProjector.Factory projectors, AdamWOptimizer.Settings adam) {
        return new GaLoreAdamW(groups, projected, new GaLoreAdamW.Projection(o.rank(), o.updateProjGap(), o.scale()),
                projectors, adam, AdamWKernel.BACKEND_FUSED);
    }

    /** The optimizers fine-tuning can use. */
    public static final List<String> FINETUNING = List.of("adamw", "lora-pro", "allora");

    /** Fails on a name outside {@link #FINETUNING}, before anything is built. */
    public static void requireFinetuning(String name) {
        if (!FINETUNING.contains(name)) throw new IllegalArgumentException("optimizer must be one of " + FINETUNING + ", got '" + name + "'");
    }

    /**
     * AdamW (torch defaults) over {@code groups}, after LoRA-Pro's ({@code lora-pro}) or ALLoRA's ({@code allora},
     * with η = {@code alloraEta}) adjustment of the gradients of {@code adapter}'s LoRA factors.
     */
    public static Optimizer forFinetuning(String name, List<ParameterGroup> groups, PeftModel.AdapterSet adapter, double alloraEta) {
        requireFinetuning(name);
        Optimizer adamW = new AdamWOptimizer(groups, AdamWOptimizer.Settings.TORCH_DEFAULTS, AdamWKernel.BACKEND_FUSED);
        return switch (name) {
            case "lora-pro" -> new AdjustedOptimizer(adamW, new LoraPro(loraPairs(adapter, name)));
            case "allora" -> {
                if (adapter.config().dropout() != 0) {
                    throw new IllegalArgumentException("allora trains LoRA without dropout; adapter '" + adapter.name()
                            + "' has lora_dropout " + adapter.config().dropout());
                }
                yield new AdjustedOptimizer(adamW, new Allora(loraPairs(adapter, name), alloraEta));
            }
            default -> adamW;
        };
    }

    /** The (A, B, s) of every module of a plain LoRA adapter. */
    static List<LoraPair> loraPairs(PeftModel.AdapterSet adapter, String optimizer) {
        return adapter.byModule().entrySet().stream().map(e -> {
            Adapter a = e.getValue();
            if (!(a instanceof Lora.Additive lora)) {
                throw new IllegalArgumentException(optimizer + " optimises plain LoRA adapters; adapter '" + adapter.name()
                        + "' on " + e.getKey() + " is " + adapter.method().name());
            }
            return new LoraPair(lora.branch().a(), lora.branch().b(), lora.branch().scale());
        }).toList();
    }

    public static LearningRateSchedule schedule(ExperimentSpec.ScheduleSpec s, double lr, long steps) {
        return switch (s.name()) {
            case "constant" -> new LearningRateSchedule.Constant(lr);
            case "linear" -> new LearningRateSchedule.LinearWarmupDecay(lr, s.warmupSteps(), steps);
            case "cosine" -> new LearningRateSchedule.WarmupCosine(lr, s.warmupSteps(), steps, s.minLrRatio());
            default -> throw new IllegalArgumentException("schedule.name must be constant, linear or cosine, got '" + s.name() + "'");
        };
    }
}
