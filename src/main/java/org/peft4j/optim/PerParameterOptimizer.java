package org.peft4j.optim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * An optimizer whose update of a trainable parameter reads only that parameter, its gradient and its
 * own buffers, each shaped like the parameter and named {@code "<parameter>.<buffer>"}. Frozen
 * parameters get no buffers and are never touched.
 */
public abstract class PerParameterOptimizer implements Optimizer {

    /** A trainable parameter and its buffers, in the order of the buffer names given to the constructor. */
    protected record Slot(Parameter parameter, List<Tensor> buffers) {}

    private final List<ParameterGroup> groups;
    private final List<List<Slot>> slotsByGroup = new ArrayList<>();
    private final OptimizerState state = new OptimizerState();

    protected PerParameterOptimizer(List<ParameterGroup> groups, List<String> bufferNames) {
        this.groups = List.copyOf(groups);
        var seen = new HashSet<String>();
        for (ParameterGroup group : this.groups) {
            var slots = new ArrayList<Slot>();
            for (Parameter p : group.parameters()) {
                if (!seen.add(p.name())) {
                    throw new IllegalArgumentException("parameter '" + p.name() + "' appears in more than one group");
                }
                if (!p.trainable()) continue;
                var buffers = new ArrayList<Tensor>();
                for (String buffer : bufferNames) buffers.add(state.allocate(p.name() + "." + buffer, p.value().shape()));
                slots.add(new Slot(p, List.copyOf(buffers)));
            }
            slotsByGroup.add(List.copyOf(slots));
        }
    }

    /** Updates one parameter at step t (from 1) with its group's learning rate and weight decay. */
    protected abstract void update(Ops ops, Slot slot, double lr, double weightDecay, long t);

    @Override
    public final void step(Ops ops, double learningRate) {
        long t = countStep(learningRate);
        for (int g = 0; g < groups.size(); g++) {
            ParameterGroup group = groups.get(g);
            double lr = learningRate * group.lrMultiplier();
            for (Slot slot : slotsByGroup.get(g)) update(ops, slot, lr, group.weightDecay(), t);
        }
    }

    /** Checks {@code learningRate} and counts one step; returns its t (from 1). */
    protected final long countStep(double learningRate) {
        requireLearningRate(learningRate);
        return state.advance();
    }

    /** The trainable parameters of group {@code g} with their buffers. */
    protected final List<Slot> slots(int g) { return slotsByGroup.get(g); }

    /** The check every {@link Optimizer#step} makes before it changes anything. */
    static void requireLearningRate(double learningRate) {
        if (!(learningRate >= 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        }
    }

    @Override public final long steps() { return state.steps(); }
    @Override public final List<ParameterGroup> groups() { return groups; }
    @Override public final Map<String, Tensor> state() { return state.export(); }
    @Override public final void loadState(Map<String, Tensor> saved) { state.load(saved); }
    @Override public final long stateBytes() { return state.bytes(); }
}
