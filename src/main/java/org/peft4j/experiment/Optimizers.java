package org.peft4j.experiment;

import java.util.List;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.optim.SgdMomentum;

/** Builds the optimizer and schedule an {@link ExperimentSpec} names. */
public final class Optimizers {
    private Optimizers() {}

    public static Optimizer create(ExperimentSpec.OptimizerSpec o, List<Parameter> parameters) {
        List<ParameterGroup> groups = ParameterGroup.decayAndNoDecay(parameters, o.weightDecay(), false);
        return switch (o.name()) {
            case "adamw" -> new AdamWOptimizer(groups, new AdamWOptimizer.Settings(o.beta1(), o.beta2(), o.eps()),
                    org.peft4j.optim.AdamWKernel.BACKEND_FUSED);
            case "sgd" -> new SgdMomentum(groups, o.momentum(), false);
            default -> throw new IllegalArgumentException("optimizer.name must be adamw or sgd, got '" + o.name() + "'");
        };
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
