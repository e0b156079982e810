package org.peft4j.optim;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * SGD with momentum as {@code torch.optim.SGD} (dampening 0), each group's {@code weightDecay} as the
 * coupled L2 coefficient λ:
 * <pre>
 *   d ← g + λ·θ
 *   b ← μ·b + d                       (b starts at 0, so b₁ = d₁ as in torch)
 *   θ ← θ − lr·(nesterov ? d + μ·b : b)      (μ = 0: θ ← θ − lr·d, no buffer)
 * </pre>
 * computed through {@link Ops#scale}/{@link Ops#axpy} without a scratch tensor, so the sums round in another
 * order than torch's. State: {@code "<name>.momentum_buffer"} per trainable parameter when μ &gt; 0.
 */
public final class SgdMomentum extends PerParameterOptimizer {
    private final double momentum;
    private final boolean nesterov;

    public SgdMomentum(List<ParameterGroup> groups, double momentum, boolean nesterov) {
        if (!(momentum >= 0 && Double.isFinite(momentum))) {
            throw new IllegalArgumentException("SGD momentum must be finite and >= 0, got " + momentum);
        }
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum requires momentum > 0");
        super(groups, momentum > 0 ? List.of("momentum_buffer") : List.of());
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(Ops ops, Slot slot, double lr, double weightDecay, long t) {
        Tensor theta = slot.parameter().value(), grad = slot.parameter().grad();
        Tensor buffer = momentum > 0 ? slot.buffers().getFirst() : null;
        if (buffer != null) {
            ops.scale((float) momentum, buffer, buffer);
            ops.axpy(1f, grad, buffer);
            if (weightDecay != 0) ops.axpy((float) weightDecay, theta, buffer);
        }
        if (buffer == null || nesterov) {
            if (weightDecay != 0) ops.scale((float) (1 - lr * weightDecay), theta, theta);
            ops.axpy((float) -lr, grad, theta);
        }
        if (buffer != null) ops.axpy((float) -(nesterov ? lr * momentum : lr), buffer, theta);
    }
}
