package org.peft4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/** Reproducible trainable/frozen parameters and per-step gradients for optimizer tests. */
final class RandomParameters {
    private RandomParameters() {}

    /** A trainable parameter with values uniform in [-1, 1) and a zero gradient. */
    static Parameter trainable(String name, long seed, int... shape) {
        return Parameter.trainable(name, Tensor.uniform(seed, 1f, shape));
    }

    static Parameter frozen(String name, long seed, int... shape) {
        return Parameter.frozen(name, Tensor.uniform(seed, 1f, shape));
    }

    /** Fills every gradient with N(0, scale²) values that depend only on {@code seed} and the parameter's position. */
    static void fillGradients(List<Parameter> parameters, long seed, float scale) {
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            if (p.trainable()) p.grad().copyFrom(Tensor.normal(seed * 1_000 + i, scale, p.value().shape()));
        }
    }

    /** Fresh parameters with the same names, values (copied) and trainability. */
    static List<Parameter> copies(List<Parameter> parameters) {
        var out = new ArrayList<Parameter>();
        for (Parameter p : parameters) {
            out.add(p.trainable() ? Parameter.trainable(p.name(), p.value().copy()) : Parameter.frozen(p.name(), p.value().copy()));
        }
        return out;
    }

    static List<Parameter> allOf(List<ParameterGroup> groups) {
        return groups.stream().flatMap(g -> g.parameters().stream()).toList();
    }

    /** Values as double arrays, one per parameter. */
    static double[][] values(List<Parameter> parameters) {
        double[][] out = new double[parameters.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] v = parameters.get(i).value().toArray();
            out[i] = new double[v.length];
            for (int j = 0; j < v.length; j++) out[i][j] = v[j];
        }
        return out;
    }
}
