package org.peft4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;

/** The benchmarked configurations are the ones named: MiniLM-sized, LoRA r 8 on query/value, counted as such. */
class TrainingStepBenchmarkTest {

    @Test
    void encoderRowsCountTheirParametersAndTimeTheirSteps() {
        try (JvmBackend backend = new JvmBackend(1)) {
            TrainingStepBenchmark.Row lora = TrainingStepBenchmark.measure(backend, "encoder", "lora", 1, 8, 0, 1);
            assertEquals(6L * 2 * (8 * 384 + 384 * 8), lora.trainable(), "LoRA r 8 on query and value of 6 layers");
            assertEquals(22_566_146L + lora.trainable(), lora.total());
            TrainingStepBenchmark.Row full = TrainingStepBenchmark.measure(backend, "encoder", "full", 1, 8, 0, 1);
            assertEquals(22_566_146L, full.trainable());
            assertEquals(full.total(), full.trainable());
            TrainingStepBenchmark.Row forward = TrainingStepBenchmark.measure(backend, "encoder", "forward", 1, 8, 0, 1);
            assertEquals(0, forward.trainable());
            for (TrainingStepBenchmark.Row r : new TrainingStepBenchmark.Row[] {lora, full, forward}) {
                assertTrue(r.timing().medianSeconds() > 0, r.mode() + " was timed");
                assertEquals(8, r.tokens());
            }
        }
    }

    @Test
    void trainingStepsRunTheAdamWUpdateAndForwardStepsDoNot() {
        try (JvmBackend backend = new JvmBackend(1);
             TrainingStepBenchmark.Step lora = TrainingStepBenchmark.prepare(backend, "encoder", "lora", 1, 8);
             TrainingStepBenchmark.Step forward = TrainingStepBenchmark.prepare(backend, "encoder", "forward", 1, 8)) {
            assertNull(forward.update());
            assertEquals(3 * 2 * 6 * 2, lora.update().state().size(), "value, exp_avg, exp_avg_sq of each LoRA A and B");
            assertEquals(0, absoluteSum(lora.update().state()));
            forward.run();
            lora.run();
            assertTrue(absoluteSum(lora.update().state()) > 0, "the moments moved");
        }
    }

    /** Σ|x| over the optimizer's moments (every second and third state tensor of each parameter). */
    private static double absoluteSum(java.util.List<org.peft4j.tensor.Tensor> state) {
        double sum = 0;
        for (int i = 0; i < state.size(); i++) {
            if (i % 3 == 0) continue;
            for (float x : state.get(i).toArray()) sum += Math.abs(x);
        }
        return sum;
    }
}
