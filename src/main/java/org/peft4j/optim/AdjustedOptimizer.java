package org.peft4j.optim;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * {@code optimizer} stepping on gradients that {@code adjustment} rewrote first:
 * {@code g ← adjust(g); optimizer.step(lr)}. State, step count and checkpoints are the inner optimizer's.
 */
public record AdjustedOptimizer(Optimizer optimizer, GradientAdjustment adjustment) implements Optimizer {
    public AdjustedOptimizer {
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(adjustment, "adjustment");
    }

    @Override
    public void step(Ops ops, double learningRate) {
        PerParameterOptimizer.requireLearningRate(learningRate);
        adjustment.adjust(ops);
        optimizer.step(ops, learningRate);
    }

    @Override public long steps() { return optimizer.steps(); }
    @Override public List<ParameterGroup> groups() { return optimizer.groups(); }
    @Override public Map<String, Tensor> state() { return optimizer.state(); }
    @Override public void loadState(Map<String, Tensor> state) { optimizer.loadState(state); }
    @Override public long stateBytes() { return optimizer.stateBytes(); }
}
