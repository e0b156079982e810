package org.peft4j.train;

import java.util.List;
import org.peft4j.tensor.Tensor;

/**
 * A model part that acts between training steps on the host, e.g. DyLoRA drawing this step's
 * rank, or SoRA's proximal step on its gates after the optimizer update.
 */
public interface StepListener {
    /** Before the step's plan runs; {@code step} counts from 0. */
    default void beforeStep(long step) {}

    /** After the optimizer update of {@code step}, with the learning rate it used. */
    default void afterOptimizerStep(long step, double learningRate) {}

    /**
     * The tensors other than trainable values that these hooks rewrite between steps (DyLoRA's rank
     * mask): a prepared training plan takes them in on every run, as it does the batch.
     */
    default List<Tensor> stepInputs() { return List.of(); }

    /**
     * Whether these hooks read or write trainable values or their gradients on the host (SoRA's
     * proximal step reads its gates' gradients and rewrites the gates): the optimizer update then
     * runs on the host too, so that values and gradients are there between steps.
     */
    default boolean touchesTrainableValues() { return false; }
}
