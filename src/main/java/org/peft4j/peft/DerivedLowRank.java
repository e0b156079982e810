package org.peft4j.peft;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * An additive adapter whose low-rank factors are computed every step from the method's own
 * parameters θ (VeRA's scaling vectors, NOLA's mixing coefficients, RandLoRA's diagonal scalings):
 * <pre>
 *   forward   (A, B) = factors(θ);   y += s·dropout(x)·Aᵀ·Bᵀ          ({@link LowRankBranch})
 *   backward  dA, dB from the branch; dθ += (∂(A, B)/∂θ)ᵀ·(dA, dB)
 * </pre>
 * A factor the method keeps fixed is a frozen branch parameter. A computed factor is a branch
 * parameter with a gradient buffer that is zeroed before each backward and never given to the
 * optimizer: {@link #parameters()} lists the method's own parameters, never the computed factors.
 */
abstract class DerivedLowRank implements Adapter {
    protected final LowRankBranch branch;
    private final List<Parameter> parameters;

    DerivedLowRank(LowRankBranch branch, List<Parameter> parameters) {
        this.branch = branch;
        this.parameters = List.copyOf(parameters);
    }

    /** Writes the computed factors of the branch from the parameters. */
    abstract void computeFactors(Ops ops);

    /** Accumulates the parameters' gradients from the computed factors' gradients. */
    abstract void backpropagateFactors(Ops ops);

    public LowRankBranch branch() { return branch; }

    @Override public List<Parameter> parameters() { return parameters; }
    @Override public void setTraining(boolean training) { branch.setTraining(training); }

    @Override
    public void forward(Ops ops, Tensor x, Tensor y) {
        computeFactors(ops);
        branch.forward(ops, x, y);
    }

    @Override
    public Tensor backward(Ops ops, Tensor x, Tensor dy) {
        for (Parameter factor : List.of(branch.a(), branch.b())) {
            if (factor.trainable()) ops.fill(factor.grad(), 0f);
        }
        branch.backward(ops, dy);
        backpropagateFactors(ops);
        return dy;
    }

    @Override public void addInputGradient(Ops ops, Tensor dx) { branch.addInputGradient(ops, dx); }

    /** {@code ΔW = s·B·A} with the factors of the current parameters. */
    @Override
    public Tensor deltaWeight(Tensor w) {
        try (JvmBackend host = new JvmBackend(1)) {
            computeFactors(host);
        }
        return branch.deltaWeight();
    }
}
