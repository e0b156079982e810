package org.peft4j.backend;

import java.util.List;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * What a {@link PreparedPlan} exchanges with the host: {@code inputs}, the tensors the host writes
 * before each run (the batch, dropout seeds, parameters a host optimizer updates); {@code outputs},
 * the ones it reads after each run (the loss, gradients); and {@code state}, tensors the plan
 * updates that the host reads only on request ({@link PreparedPlan#pullState}: parameters and
 * moments of an optimizer recorded into the plan). Each is a {@link Tensor} or an
 * {@link IntTensor}. Any tensor the plan touches may stay on the device between runs (on the JVM,
 * a weight the plan only multiplies by may be read from a copy packed at the first run): the host
 * sees neither its updates (but by {@code outputs} and {@code pullState}) nor, after the first
 * run, its changes (but to {@code inputs}).
 */
public record PlanIO(List<Object> inputs, List<Object> outputs, List<Object> state) {
    public PlanIO {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        state = List.copyOf(state);
        for (Object o : inputs) requireTensor("input", o);
        for (Object o : outputs) requireTensor("output", o);
        for (Object o : state) requireTensor("state", o);
    }

    /** Inputs and outputs only: the host keeps every value it needs up to date itself. */
    public PlanIO(List<Object> inputs, List<Object> outputs) {
        this(inputs, outputs, List.of());
    }

    private static void requireTensor(String role, Object o) {
        if (!(o instanceof Tensor) && !(o instanceof IntTensor)) {
            throw new IllegalArgumentException("plan " + role + " must be a Tensor or an IntTensor, got " + o);
        }
    }
}
