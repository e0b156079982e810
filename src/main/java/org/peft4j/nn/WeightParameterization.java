package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * How a {@link Linear}'s weight W [out, in] is stored and multiplied: dense (the default), or
 * factored/sparse/quantized forms (SLTrain, LOST, quantized bases). What is <i>added</i> to a
 * layer's output is a {@link LinearAdapter}'s business instead.
 */
public interface WeightParameterization {
    int inFeatures();

    int outFeatures();

    List<Parameter> parameters();

    /** {@code y = x·Wᵀ} (overwrites y), x [rows, in], y [rows, out]. */
    void forward(Ops ops, Tensor x, Tensor y);

    /**
     * Accumulates the gradients of its trainable parameters from {@code dy} and, if {@code dx}
     * is not null, writes (or with {@code accumulate} adds) {@code dy·W} to it.
     */
    void backward(Ops ops, Tensor x, Tensor dy, Tensor dx, boolean accumulate);

    /** The weight as a dense [out, in] matrix (a view where it is stored densely). */
    Tensor dense();

}
