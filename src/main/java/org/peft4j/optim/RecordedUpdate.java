package org.peft4j.optim;

import java.util.List;
import java.util.function.DoubleConsumer;
import org.peft4j.tensor.Tensor;

/**
 * An optimizer step recorded into a training plan ({@link Optimizer#recordUpdate}), so that a
 * backend keeping the plan on a device keeps parameters and optimizer state there too:
 * <pre>
 *   per step:  update.beforeRun(lr);   // writes the step's hyper-parameters into inputs(), counts the step
 *              plan.run();             // forward, backward, norm, update
 *              update.norm().read()    // the gradient norm, for checks and logs
 * </pre>
 *
 * @param inputs    what {@code beforeRun} rewrites (per-group hyper-parameters): plan inputs
 * @param state     what the update changes (parameters, moments): the plan's state, read back on request
 * @param norm      the gradient norm recorded before the update (its sums are plan outputs)
 * @param beforeRun called once per step with the learning rate, before the plan runs
 */
public record RecordedUpdate(List<Tensor> inputs, List<Tensor> state, RecordedGradientNorm norm, DoubleConsumer beforeRun) {
    public RecordedUpdate {
        inputs = List.copyOf(inputs);
        state = List.copyOf(state);
    }

    public void beforeRun(double learningRate) { beforeRun.accept(learningRate); }
}
