package org.peft4j.train;

/**
 * A model part that acts between training steps on the host, e.g. DyLoRA drawing this step's
 * rank, or SoRA's proximal step on its gates after the optimizer update.
 */
public interface StepListener {
    /** Before the step's plan runs; {@code step} counts from 0. */
    default void beforeStep(long step) {}

    /** After the optimizer update of {@code step}, with the learning rate it used. */
    default void afterOptimizerStep(long step, double learningRate) {}
}
