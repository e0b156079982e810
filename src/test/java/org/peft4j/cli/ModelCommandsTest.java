package org.peft4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.model.BertCheckpointFiles;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import picocli.CommandLine;

/** {@code embed}, {@code classify} and {@code bench inference} as a user runs them: output, files and one-line errors. */
class ModelCommandsTest {
    record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = cli.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    private static void assertUsageError(String message, String... args) {
        Run r = run(args);
        assertEquals(2, r.exit(), r.toString());
        assertEquals("peft4j: " + message + System.lineSeparator(), r.err());
    }

    @Test
    void embedSimilarityPrintsTheCosineMatrix() {
        Run r = run("embed", "--similarity", "A cat is sleeping on the warm windowsill.", "A little kitten naps in the sunshine by the window.");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().split("\\R");
        assertEquals("          [1]     [2]", lines[0]);
        assertTrue(lines[1].matches("\\[1]\\s+1\\.0000\\s+0\\.60\\d\\d"), lines[1]);
        assertTrue(lines[2].matches("\\[2]\\s+0\\.60\\d\\d\\s+1\\.0000"), lines[2]);
        assertEquals("[2] A little kitten naps in the sunshine by the window.", lines[4]);
    }

    @Test
    void embedJsonHoldsUnitLengthEmbeddingsAndTheDefaultShowsLeadingDimensions() throws Exception {
        Run json = run("embed", "--json", "Hello world", "Zoë's café");
        assertEquals(0, json.exit(), json.err());
        JsonNode array = new ObjectMapper().readTree(json.out());
        assertEquals(2, array.size());
        assertEquals("Zoë's café", array.get(1).get("text").asText());
        double norm = 0;
        for (JsonNode v : array.get(0).get("embedding")) norm += v.asDouble() * v.asDouble();
        assertEquals(384, array.get(0).get("embedding").size());
        assertEquals(1.0, Math.sqrt(norm), 1e-5);

        Run plain = run("embed", "--dims", "3", "Hello world");
        String expected = String.format("[1] Hello world%n    [%.4f, %.4f, %.4f, …] (384 dims, norm 1.0000)%n",
                array.get(0).get("embedding").get(0).asDouble(), array.get(0).get("embedding").get(1).asDouble(),
                array.get(0).get("embedding").get(2).asDouble());
        assertEquals(expected, plain.out());
    }

    @Test
    void misuseIsOneLineAndExitCode2(@TempDir Path dir) {
        assertUsageError("--full cannot be combined with --json or --similarity", "embed", "--full", "--json", "x");
        Path absent = dir.resolve("absent.onnx");
        assertUsageError("model file " + absent + " does not exist", "embed", "--model", absent.toString(), "x");
        assertUsageError("epochs must be ≥ 1, got 0", "classify", "--epochs", "0");
        assertUsageError("--threads must be ≥ 1 for a reproducible benchmark, got 0", "bench", "inference", "--threads", "0");
        Run none = run("embed");
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("peft4j: Missing required parameter: 'SENTENCE'"), none.err());
    }

    @Test
    void benchInferenceWritesItsSectionWithTheCommand(@TempDir Path dir) throws Exception {
        BertConfig small = new BertConfig(30522, 8, 1, 2, 16, 32, 2, 1e-12f, 0.1f, 0.1f);
        Path model = dir.resolve("small.safetensors");
        BertCheckpointFiles.write(model, new BertCheckpoint(small, StateDict.of(new BertEncoder(small, 5).parameters())));
        Path results = dir.resolve("RESULTS.md");
        Run r = run("bench", "inference", "--model", model.toString(), "--batch", "2", "--length", "16", "--threads", "1",
                "--warmup", "1", "--runs", "3", "--kernel-note", "test kernel", "--results", results.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(model + ": ") && r.out().contains(" sentences/s "), r.out());
        String markdown = Files.readString(results);
        assertTrue(markdown.startsWith("# Benchmarks\n\n## MiniLM inference\n\n"), markdown);
        assertTrue(markdown.contains("batch 2 × 16 tokens, JvmBackend with 1 threads, median of 3 timed runs after 1 warm-up runs."), markdown);
        assertTrue(markdown.contains("| test kernel |"), markdown);
        assertTrue(markdown.contains("scripts/peft4j bench inference --model " + model + " --batch 2 --length 16 --threads 1 --warmup 1"
                + " --runs 3 --kernel-note 'test kernel' --results " + results), markdown);
    }
}
