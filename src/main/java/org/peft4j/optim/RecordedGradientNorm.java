package org.peft4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * The global gradient norm recorded into a training plan, for an update that runs inside it:
 * <pre>
 *   total = 0;   for each trainable p:  s_p = Σ g_p²;  total += s_p
 * </pre>
 * The per-parameter sums {@code s_p} are plan outputs (the host checks and logs the norm from
 * them, {@link #read}); {@code total} feeds {@link Ops#clippedAdamW}.
 */
public record RecordedGradientNorm(List<Parameter> parameters, List<Tensor> sums, Tensor total) {

    /** Records the sums over the trainable ones of {@code parameters}. */
    public static RecordedGradientNorm record(Ops ops, List<Parameter> parameters) {
        List<Parameter> trainable = parameters.stream().filter(Parameter::trainable).toList();
        List<Tensor> sums = new ArrayList<>();
        Tensor total = Tensor.zeros(1);
        ops.fill(total, 0f);
        for (Parameter p : trainable) {
            Tensor sum = Tensor.zeros(1);
            ops.sumOfSquares(p.grad(), sum);
            ops.add(total, sum, total);
            sums.add(sum);
        }
        return new RecordedGradientNorm(trainable, sums, total);
    }

    /** The sums the last run left in {@link #sums}. */
    public GradientSums read() {
        double[] values = new double[sums.size()];
        for (int i = 0; i < values.length; i++) values[i] = sums.get(i).at(0);
        return new GradientSums(parameters.stream().map(Parameter::name).toList(), values);
    }
}
