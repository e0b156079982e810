package org.peft4j.nn;

import org.peft4j.tensor.IntTensor;

/**
 * Hands out the dropout sites of one model, all reading one {@code [seed, step]} tensor; the
 * trainer advances the step before each training step, which changes every mask reproducibly.
 */
public final class DropoutSites {
    private final IntTensor seedAndStep = IntTensor.zeros(2);
    private int nextSite;

    public DropoutSites(long seed) {
        seedAndStep.data()[0] = (int) (seed ^ (seed >>> 32));
    }

    public Dropout create(String name, float p) {
        return new Dropout(name, p, nextSite++, seedAndStep);
    }

    /** The {@code [seed, step]} tensor every site reads (the host rewrites it before each training step). */
    public IntTensor seedAndStep() { return seedAndStep; }

    /** Selects the masks of training step {@code step}. */
    public void setStep(long step) {
        seedAndStep.data()[1] = (int) step;
    }
}
