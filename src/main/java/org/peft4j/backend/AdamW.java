package org.peft4j.backend;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * Hyper-parameters of one AdamW update (decoupled weight decay, Loshchilov &amp; Hutter):
 * <pre>
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   m̂ = m/(1−β1^t)               v̂ = v/(1−β2^t)
 *   θ ← θ − lr·( m̂/(√v̂ + ε) + λ·θ )
 * </pre>
 * {@code step} is t, counted from 1.
 */
public record AdamW(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
    /** Length of the {@link #writeTo} layout. */
    public static final int TENSOR_SIZE = 7;

    /** torch's guard in {@code clip_grad_norm_}: {@code maxNorm/(‖g‖ + 1e-6)}. */
    public static final float NORM_EPS = 1e-6f;

    public AdamW {
        if (step < 1) throw new IllegalArgumentException("AdamW step counts from 1, got " + step);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1): " + beta1 + ", " + beta2);
        }
    }

    /**
     * What the update kernels read, {@code {β1, β2, 1 − lr·λ, lr/c1, 1/√c2, ε}} with
     * {@code c1 = 1 − β1^t, c2 = 1 − β2^t}, for {@code θ ← θ·(1 − lr·λ) − (lr/c1)·m/(√v/√c2 + ε)}.
     */
    public float[] kernelConstants() {
        return new float[] {beta1, beta2, 1 - lr * weightDecay, lr / biasCorrection1(), (float) (1 / Math.sqrt(biasCorrection2())), eps};
    }

    /** Writes {@link #kernelConstants} and then {@code maxNorm} into {@code hyper} [{@value #TENSOR_SIZE}] for {@link Ops#clippedAdamW}. */
    public void writeTo(Tensor hyper, float maxNorm) {
        Shapes.require("AdamW.writeTo", "hyper", hyper, TENSOR_SIZE);
        float[] constants = kernelConstants();
        for (int i = 0; i < constants.length; i++) hyper.set(constants[i], i);
        hyper.set(maxNorm, TENSOR_SIZE - 1);
    }

    /** The gradient scale of {@link Ops#clippedAdamW}: {@code min(1, maxNorm/(√normSquared + 1e-6))}, 1 when maxNorm ≤ 0. */
    public static float clipScale(float maxNorm, float normSquared) {
        return maxNorm > 0 ? Math.min(1f, maxNorm / ((float) Math.sqrt(normSquared) + NORM_EPS)) : 1f;
    }

    public float biasCorrection1() { return (float) (1 - Math.pow(beta1, step)); }

    public float biasCorrection2() { return (float) (1 - Math.pow(beta2, step)); }
}
