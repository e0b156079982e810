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
 * Hyper-parameters are doubles (torch's Python floats); tensors are float32.
 */
package org.peft4j.optim;
