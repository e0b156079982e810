package org.peft4j.optim;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * One AdamW update of a tensor and its moments {@code m} (exp_avg) and {@code v} (exp_avg_sq), on any
 * tensors of equal size: a parameter, or the projected gradient of a low-rank optimizer. In exact arithmetic
 * <pre>
 *   θ ← θ·(1 − lr·λ)
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   θ ← θ − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
 * </pre>
 * The kernels differ only in float32 rounding.
 */
@FunctionalInterface
public interface AdamWKernel {

    void update(Ops ops, Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);

    /**
     * The backend's fused {@link Ops#adamW}: runs wherever the backend runs, in its own rounding order
     * ({@code θ − lr(m̂/(√v̂+ε) + λθ)}) and from float32 hyper-parameters, so 1 − β2 becomes
     * {@code 1 − 0.999f}, 1.3e-5 away from 0.001 relatively.
     */
    AdamWKernel BACKEND_FUSED = (ops, param, grad, m, v, step) -> ops.adamW(param, grad, m, v, step.toBackend());

    /** {@link TorchOrderAdamW}: torch.optim.AdamW's float32 CPU arithmetic, computed on the host. */
    AdamWKernel TORCH_ORDER_ON_HOST = (ops, param, grad, m, v, step) -> TorchOrderAdamW.update(param, grad, m, v, step);
}
