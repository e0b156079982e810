package org.peft4j.optim;

import org.peft4j.backend.AdamW;

/**
 * Hyper-parameters of one AdamW update at step t (from 1), held in double as torch holds them
 * (Python floats), so that derived coefficients such as {@code 1 − β1} round to float32 as in torch.
 */
public record AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long t) {
    public AdamWStep {
        if (t < 1) throw new IllegalArgumentException("AdamW step t counts from 1, got " + t);
    }

    /** {@code 1 − β1^t}. */
    public double biasCorrection1() { return 1 - Math.pow(beta1, t); }

    /** {@code 1 − β2^t}. */
    public double biasCorrection2() { return 1 - Math.pow(beta2, t); }

    /** The same step as the backend's float32 {@link AdamW} record. */
    public AdamW toBackend() {
        return new AdamW((float) lr, (float) beta1, (float) beta2, (float) eps, (float) weightDecay, t);
    }
}
