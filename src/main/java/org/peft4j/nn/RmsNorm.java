package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/** {@code y = x/√(mean(x²) + ε) ⊙ weight} over the last axis (LLaMA-style RMSNorm). */
public final class RmsNorm implements Module {
    private final Parameter weight;
    private final float eps;
    private final Buffers buffers;
    private Tensor input;

    public RmsNorm(Parameter weight, float eps) {
        this.weight = weight;
        this.eps = eps;
        this.buffers = new Buffers(weight.name());
    }

    public static RmsNorm create(String name, int dim, float eps) {
        return new RmsNorm(Parameter.trainable(name + ".weight", Tensor.zeros(dim).fill(1f)), eps);
    }

    @Override public List<Parameter> parameters() { return List.of(weight); }

    public Tensor forward(Ops ops, Tensor x) {
        input = x.asMatrix();
        Tensor y = buffers.get("out", input.rows(), input.cols());
        ops.rmsNorm(input, weight.value(), eps, y, buffers.get("rstd", input.rows()));
        return y;
    }

    public Tensor backward(Ops ops, Tensor dy) {
        Tensor dx = buffers.get("dx", input.rows(), input.cols());
        ops.rmsNormBackward(dy.asMatrix(), input, weight.value(), buffers.get("rstd", input.rows()), dx, weight.grad());
        return dx;
    }
}
