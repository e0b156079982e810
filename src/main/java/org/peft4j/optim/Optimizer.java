package org.peft4j.optim;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * A first-order optimizer over {@link ParameterGroup}s. One training step:
 * <pre>
 *   lr = schedule.at(optimizer.steps());   // HF: the scheduler counts completed steps
 *   GradientClipping.clipGlobalNorm(ops, trainable, maxNorm);
 *   optimizer.step(ops, lr);
 * </pre>
 * Checkpoints save {@link #state()} and restore it with {@link #loadState} on an optimizer built over the
 * same parameters; continuing then reproduces an uninterrupted run bit for bit.
 */
public interface Optimizer {

    /**
     * Applies one update to every trainable parameter of every group, with
     * {@code lr = learningRate · group.lrMultiplier()}, and advances {@link #steps()} by one
     * (the t of bias corrections counts from 1 at the first call).
     *
     * @throws IllegalArgumentException if {@code learningRate} is negative or not finite
     */
    void step(Ops ops, double learningRate);

    /** Number of completed {@link #step} calls. */
    long steps();

    /** The groups this optimizer updates, as given. */
    List<ParameterGroup> groups();

    /**
     * The optimizer's state by name: {@code "<parameter>.<buffer>"} (e.g. {@code "fc.weight.exp_avg"}) for
     * live views of the state buffers, and {@link OptimizerState#STEP_KEY} for the step count.
     * Copy the buffers to keep a snapshot across later steps.
     */
    Map<String, Tensor> state();

    /**
     * Replaces the state with {@code state}, which must hold exactly the names and shapes of {@link #state()};
     * nothing changes when it does not.
     *
     * @throws OptimizerStateException naming every missing, unexpected or mis-shaped entry, or a bad step count
     */
    void loadState(Map<String, Tensor> state);

    /**
     * Records this optimizer's step into a plan being recorded on {@code ops}: the global norm of the
     * gradients of {@code normOver}'s trainable parameters, clipping to {@code maxNorm} (≤ 0: no
     * clipping) and the update. Each run of the plan is then one {@link #step} (with
     * {@link RecordedUpdate#beforeRun} in place of the call). Empty, having recorded nothing, for
     * optimizers whose update runs on the host.
     */
    default Optional<RecordedUpdate> recordUpdate(Ops ops, List<Parameter> normOver, double maxNorm) {
        return Optional.empty();
    }

    /** Bytes held by state buffers (the moments, momentum buffers, projections ...). */
    long stateBytes();
}
