package org.peft4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** A misuse is one line on stderr and exit code 2; {@code --debug} adds the stack trace and keeps the code. */
class UsageErrorsTest {
    record Run(int exit, String err) {}

    private static Run run(String... args) {
        var cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cli.execute(args), err.toString());
    }

    @Test
    void aMisuseIsOneLineWithoutAStackTrace() {
        for (String[] args : new String[][] {{"train", "--config", "missing.json"}, {"train", "--config", "x.json", "--steps", "ten"}}) {
            Run r = run(args);
            assertEquals(UsageErrors.USAGE, r.exit(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("peft4j: "), r.err());
        }
    }

    @Test
    void debugAddsTheStackTraceOfTheSameMessage() {
        Run plain = run("train", "--config", "missing.json");
        Run debug = run("train", "--config", "missing.json", "--debug");
        assertEquals(UsageErrors.USAGE, debug.exit());
        assertTrue(debug.err().startsWith(plain.err()), debug.err());
        assertTrue(debug.err().contains("java.lang.IllegalArgumentException: experiment config missing.json does not exist"), debug.err());
        assertTrue(debug.err().lines().anyMatch(l -> l.strip().startsWith("at org.peft4j.experiment.ExperimentSpec.load")), debug.err());
    }
}
