package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/** {@code y = (x − μ)/√(σ² + ε) ⊙ weight + bias} over the last axis (HF names {@code LayerNorm.weight/bias}). */
public final class LayerNorm implements Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;
    private final Buffers buffers;
    private Tensor input;

    public LayerNorm(Parameter weight, Parameter bias, float eps) {
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
        this.buffers = new Buffers(weight.name());
    }

    /** weight = 1, bias = 0. */
    public static LayerNorm create(String name, int dim, float eps) {
        return new LayerNorm(Parameter.trainable(name + ".weight", Tensor.zeros(dim).fill(1f)),
                Parameter.trainable(name + ".bias", Tensor.zeros(dim)), eps);
    }


    @Override public List<Parameter> parameters() { return List.of(weight, bias); }

    public Tensor forward(Ops ops, Tensor x) {
        input = x.asMatrix();
        int rows = input.rows();
        Tensor y = buffers.get("out", rows, input.cols());
        ops.layerNorm(input, weight.value(), bias.value(), eps, y, buffers.get("mean", rows), buffers.get("rstd", rows));
        return y;
    }

    public Tensor backward(Ops ops, Tensor dy) {
        int rows = input.rows();
        Tensor dx = buffers.get("dx", rows, input.cols());
        ops.layerNormBackward(dy.asMatrix(), input, weight.value(), buffers.get("mean", rows), buffers.get("rstd", rows),
                dx, weight.grad(), bias.grad());
        return dx;
    }
}
