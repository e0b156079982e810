package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.model.SentenceEncoder;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.text.WordPieceTokenizer;

/** The benchmark's statistics, inputs and the markdown section it writes. */
class InferenceBenchmarkTest {

    @Test
    void medianMinMaxAndRates() {
        var odd = new InferenceBenchmark.Result(8, 128, 2, 1, List.of(3.0, 1.0, 2.0, 9.0, 4.0));
        assertEquals(3.0, odd.median());
        assertEquals(1.0, odd.min());
        assertEquals(9.0, odd.max());
        assertEquals(8 / 3.0, odd.sentencesPerSecond(), 1e-12);
        assertEquals(8 * 128 / 3.0, odd.tokensPerSecond(), 1e-9);
        assertEquals(2.5, new InferenceBenchmark.Result(8, 128, 2, 1, List.of(4.0, 1.0, 2.0, 3.0)).median());
    }

    @Test
    void runsWarmupPlusTimedPassesOnFixedInputs() throws IOException {
        var encoder = new SentenceEncoder(BertEncoder.random(new BertConfig(30522, 8, 1, 2, 16, 64, 2, 1e-12f, 0f, 0f), 1, false),
                WordPieceTokenizer.miniLm().withMaxLength(64));
        List<String> log = new ArrayList<>();
        InferenceBenchmark.Result r;
        try (JvmBackend ops = new JvmBackend(1)) {
            r = InferenceBenchmark.run(ops, 1, encoder, 3, 17, 2, 3, log::add);
        }
        assertEquals(3, r.seconds().size());
        assertTrue(r.seconds().stream().allMatch(s -> s > 0));
        assertEquals(5, log.size());
        assertTrue(log.get(1).startsWith("warm-up 2: ") && log.get(2).startsWith("run 1: "), log.toString());

        List<int[]> ids = InferenceBenchmark.inputs(encoder, 3, 17);
        assertEquals(3, ids.size());
        for (int[] row : ids) {
            assertEquals(17, row.length);
            assertEquals(encoder.tokenizer().clsId(), row[0]);
            assertEquals(encoder.tokenizer().sepId(), row[16]);
        }
        assertArrayEquals(ids.get(2), InferenceBenchmark.inputs(encoder, 3, 17).get(2), "seeded inputs");
        assertThrows(IllegalArgumentException.class, () -> InferenceBenchmark.inputs(encoder, 1, 65));
        assertThrows(IllegalArgumentException.class, () -> InferenceBenchmark.run(null, 1, encoder, 1, 8, 0, 0, s -> {}));
    }

    @Test
    void writesItsSectionAndReplacesOnlyThatSection(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("RESULTS.md");
        var r = new InferenceBenchmark.Result(8, 128, 2, 2, List.of(1.0, 2.0, 4.0, 3.0, 5.0));
        String section = InferenceBenchmark.markdown("MiniLM inference", "all-MiniLM-L6-v2", r, "scalar", "scripts/peft4j bench inference");
        assertTrue(section.startsWith("## MiniLM inference\n\n"));
        assertTrue(section.contains("| 2.67 | 341 | 3.000 | 1.000 | 5.000 | scalar |"), section);
        assertTrue(section.contains("```\nscripts/peft4j bench inference\n```"), section);

        InferenceBenchmark.writeSection(file, "MiniLM inference", section);
        assertEquals("# Benchmarks\n\n" + section, Files.readString(file));

        Files.writeString(file, "# Benchmarks\n\n## GEMM\n\ngemm table\n\n## MiniLM inference\n\nold numbers\n\n## Training\n\nsteps\n");
        InferenceBenchmark.writeSection(file, "MiniLM inference", "## MiniLM inference\n\nnew numbers\n");
        assertEquals("# Benchmarks\n\n## GEMM\n\ngemm table\n\n## MiniLM inference\n\nnew numbers\n\n## Training\n\nsteps\n",
                Files.readString(file));

        Files.writeString(file, "# Benchmarks\n\n## GEMM\n\ngemm table\n");
        InferenceBenchmark.writeSection(file, "MiniLM inference", "## MiniLM inference\n\nnew\n");
        assertEquals("# Benchmarks\n\n## GEMM\n\ngemm table\n\n## MiniLM inference\n\nnew\n", Files.readString(file));
    }
}
