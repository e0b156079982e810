package org.peft4j.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.testing.Fuzzing;

/**
 * Checkpoint restore on arbitrary bytes: restored, or {@link Checkpoints.CorruptCheckpointException}
 * (so that {@link Checkpoints#restoreLatest} falls back to an older one). Seeds are checkpoints of a
 * tiny decoder; seeds and findings: {@code src/test/resources/org/peft4j/train/CheckpointFuzzTestInputs/}.
 */
class CheckpointFuzzTest {
    /** Small enough that a checkpoint (parameters, AdamW moments) is about 4 KB. */
    static final GptConfig TINY = new GptConfig(5, 4, 1, 1, 4, 0f, true, 1e-5f);
    private static final Path FILE = Fuzzing.scratchFile("step-00000010.safetensors");
    private static final CausalLanguageModel MODEL = new CausalLanguageModel(new GptDecoder(TINY, 11));
    private static final AdamWOptimizer OPTIMIZER = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(MODEL.parameters(), 0.01, false));

    @FuzzTest(maxDuration = "60s")
    void restoresOrRejects(byte[] checkpoint) throws Exception {
        Files.write(FILE, checkpoint);
        Checkpoints checkpoints = new Checkpoints(FILE.getParent(), 2, message -> {});
        Fuzzing.onlyThrows(() -> checkpoints.restore(FILE, MODEL.parameters(), OPTIMIZER), Checkpoints.CorruptCheckpointException.class);
    }
}
