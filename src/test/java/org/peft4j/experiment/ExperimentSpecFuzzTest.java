package org.peft4j.experiment;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.peft4j.testing.Fuzzing;

/**
 * Experiment configs on arbitrary text: a validated spec, or an {@link IllegalArgumentException}
 * (the CLI's usage error) naming the file and key. Seeds and findings:
 * {@code src/test/resources/org/peft4j/experiment/ExperimentSpecFuzzTestInputs/}.
 */
class ExperimentSpecFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void readsOrRejects(byte[] json) throws Exception {
        Fuzzing.onlyThrows(() -> ExperimentSpec.parse(new String(json, StandardCharsets.UTF_8), "experiment.json", Map.of()),
                IllegalArgumentException.class);
    }
}
