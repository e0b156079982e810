package org.peft4j.backend;

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
    public AdamW {
        if (step < 1) throw new IllegalArgumentException("AdamW step counts from 1, got " + step);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1): " + beta1 + ", " + beta2);
        }
    }

    public float biasCorrection1() { return (float) (1 - Math.pow(beta1, step)); }

    public float biasCorrection2() { return (float) (1 - Math.pow(beta2, step)); }
}
