package org.peft4j.peft.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.peft4j.testing.Fuzzing;

/**
 * adapter_config.json on arbitrary bytes: a config, or {@link AdapterFormatException} naming the
 * file. Seeds and findings: {@code src/test/resources/org/peft4j/peft/format/AdapterConfigFuzzTestInputs/}.
 */
class AdapterConfigFuzzTest {
    private static final Path FILE = Path.of("adapter", PeftAdapterFormat.CONFIG_NAME);

    @FuzzTest(maxDuration = "60s")
    void readsOrRejects(byte[] json) throws Exception {
        Fuzzing.onlyThrows(() -> PeftAdapterFormat.parseConfig(FILE, json), AdapterFormatException.class);
    }
}
