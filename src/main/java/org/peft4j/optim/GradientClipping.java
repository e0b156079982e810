package org.peft4j.optim;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_}: with
 * {@code ‖g‖ = √(Σ_params Σ g²)} over trainable parameters,
 * {@code g ← g · min(1, maxNorm/(‖g‖ + 1e-6))}. Per-tensor sums of squares come from
 * {@link Ops#sumOfSquares} and are combined on the host in double.
 */
public final class GradientClipping {
    /** torch's guard against division by zero in the clip coefficient. */
    public static final double NORM_EPS = 1e-6;

    private GradientClipping() {}

    /**
     * Scales the gradients down to global norm {@code maxNorm} when they exceed it, and returns the norm
     * before clipping. A NaN or infinite norm is returned with the gradients untouched
     * (see {@link GradientSums#firstNonFinite} to name the culprit).
     */
    public static double clipGlobalNorm(Ops ops, List<Parameter> parameters, double maxNorm) {
        double norm = sums(ops, parameters).norm();
        clip(ops, parameters, norm, maxNorm);
        return norm;
    }

    /** {@link #clipGlobalNorm} with the norm already computed ({@link #sums}), so it is not computed twice. */
    public static void clip(Ops ops, List<Parameter> parameters, double norm, double maxNorm) {
        if (!(maxNorm > 0 && Double.isFinite(maxNorm))) {
            throw new IllegalArgumentException("maxNorm must be finite and > 0, got " + maxNorm);
        }
        double coefficient = maxNorm / (norm + NORM_EPS);
        if (Double.isFinite(norm) && coefficient < 1) {
            for (Parameter p : parameters) {
                if (p.trainable()) ops.scale((float) coefficient, p.grad(), p.grad());
            }
        }
    }

    /** Each trainable gradient's sum of squares ({@link Ops#sumOfSquares}, one host read each). */
    public static GradientSums sums(Ops ops, List<Parameter> parameters) {
        List<Parameter> trainable = parameters.stream().filter(Parameter::trainable).toList();
        Tensor scratch = Tensor.zeros(1);
        double[] sums = new double[trainable.size()];
        for (int i = 0; i < sums.length; i++) sums[i] = sumOfSquares(ops, trainable.get(i).grad(), scratch);
        return new GradientSums(trainable.stream().map(Parameter::name).toList(), sums);
    }

    private static double sumOfSquares(Ops ops, Tensor grad, Tensor scratch) {
        ops.sumOfSquares(grad, scratch);
        return scratch.at(0);
    }
}
