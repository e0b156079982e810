package org.peft4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code finetune --quantize} and {@code compress --mode base}: a wrong format or limit is a one-line usage error before anything loads. */
class QuantizeOptionsTest {

    private static void assertUsageError(String message, String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute(args), err.toString());
        assertEquals("peft4j: " + message + System.lineSeparator(), err.toString());
    }

    @Test
    void unknownFormatsAndBadLimitsAreNamed() {
        assertUsageError("unknown quantization format 'int4'; known: int8, nf4", "finetune", "--quantize", "int4");
        assertUsageError("unknown quantization format 'fp8'; known: int8, nf4", "compress", "--mode", "base", "--format", "fp8");
        assertUsageError("--limit must be ≥ 1, got 0", "compress", "--mode", "base", "--limit", "0");
    }
}
