/**
 * Optimizers, learning-rate schedules, gradient clipping and parameter groups, with the semantics of
 * {@code torch.optim} and Hugging Face {@code transformers}:
 * <pre>
 *   var groups = ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, true);
 *   Optimizer optimizer = new AdamWOptimizer(groups);
 *   var schedule = new LearningRateSchedule.LinearWarmupDecay(2e-4, warmup, total);
 *   // per step, after backward:
 *   double norm = GradientClipping.clipGlobalNorm(ops, trainable, 1.0);
 *   optimizer.step(ops, schedule.at(optimizer.steps()));
 * </pre>
 * Low-rank training: {@link org.peft4j.optim.GaLoreAdamW} keeps Adam's moments in a rank-r projection of each
 * matrix gradient, with a pluggable {@link org.peft4j.optim.GradientProjector} (GaLore's SVD, or the SVD-free DCT).
 * Hyper-parameters are doubles (torch's Python floats); tensors are float32.
 */
package org.peft4j.optim;
