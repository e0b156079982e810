package org.peft4j.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.peft4j.testing.Fuzzing;

/**
 * Safetensors reading on arbitrary bytes: read, or rejected with {@link SafetensorsFormatException};
 * nothing is allocated from a size the header merely claims. Seeds and findings:
 * {@code src/test/resources/org/peft4j/io/SafetensorsFuzzTestInputs/}.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void readsOrRejects(byte[] file) throws Exception {
        Fuzzing.onlyThrows(() -> Safetensors.read(file), SafetensorsFormatException.class);
    }
}
