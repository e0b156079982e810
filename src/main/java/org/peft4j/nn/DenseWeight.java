package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * A plain dense weight W [out, in] (PyTorch layout).
 * <pre>
 *   y  = x·Wᵀ            (gemm NT)
 *   dW += dyᵀ·x          (gemm TN, only when trainable)
 *   dx  = dy·W           (gemm NN)
 * </pre>
 */
public final class DenseWeight implements WeightParameterization {
    private final Parameter weight;

    public DenseWeight(Parameter weight) {
        if (weight.value().rank() != 2) {
            throw new IllegalArgumentException(weight.name() + ": a dense weight must be [out, in], got " + weight.value());
        }
        this.weight = weight;
    }

    public Parameter weight() { return weight; }

    @Override public int inFeatures() { return weight.value().dim(1); }
    @Override public int outFeatures() { return weight.value().dim(0); }
    @Override public List<Parameter> parameters() { return List.of(weight); }
    @Override public Tensor dense() { return weight.value(); }

    @Override
    public void forward(Ops ops, Tensor x, Tensor y) {
        ops.gemm(Transpose.N, Transpose.T, 1f, x, weight.value(), 0f, y);
    }

    @Override
    public void backward(Ops ops, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
        if (weight.trainable()) ops.gemm(Transpose.T, Transpose.N, 1f, dy, x, 1f, weight.grad());
        if (dx != null) ops.gemm(Transpose.N, Transpose.N, 1f, dy, weight.value(), accumulate ? 1f : 0f, dx);
    }
}
