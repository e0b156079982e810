package org.peft4j.backend;

import java.util.List;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * What a {@link PreparedPlan} exchanges with the host on every run: {@code inputs}, the tensors
 * the host writes before each run (the batch, dropout seeds, parameters a host optimizer
 * updates), and {@code outputs}, the ones it reads after (the loss, gradients). Each is a
 * {@link Tensor} or an {@link IntTensor}. Any other tensor the plan touches may stay on the
 * device between runs: the host sees neither its updates nor, after the first run, its changes.
 */
public record PlanIO(List<Object> inputs, List<Object> outputs) {
    public PlanIO {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        for (Object o : inputs) requireTensor("input", o);
        for (Object o : outputs) requireTensor("output", o);
    }

    private static void requireTensor(String role, Object o) {
        if (!(o instanceof Tensor) && !(o instanceof IntTensor)) {
            throw new IllegalArgumentException("plan " + role + " must be a Tensor or an IntTensor, got " + o);
        }
    }
}
