package org.peft4j.experiment;

import java.util.List;
import java.util.function.Predicate;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.DctProjector;
import org.peft4j.optim.GaLoreAdamW;
import org.peft4j.optim.GradientProjector;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.optim.SgdMomentum;
import org.peft4j.optim.SvdProjector;

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

    public static LearningRateSchedule schedule(ExperimentSpec.ScheduleSpec s, double lr, long steps) {
        return switch (s.name()) {
            case "constant" -> new LearningRateSchedule.Constant(lr);
            case "linear" -> new LearningRateSchedule.LinearWarmupDecay(lr, s.warmupSteps(), steps);
            case "cosine" -> new LearningRateSchedule.WarmupCosine(lr, s.warmupSteps(), steps, s.minLrRatio());
            default -> throw new IllegalArgumentException("schedule.name must be constant, linear or cosine, got '" + s.name() + "'");
        };
    }
}
