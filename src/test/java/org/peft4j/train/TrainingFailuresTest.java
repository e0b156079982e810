package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;

/** Failures a run must survive or report before it starts: damaged checkpoints, unusable output directories, too little heap. */
class TrainingFailuresTest {

    private static CausalLanguageModel model() {
        return new CausalLanguageModel(new GptDecoder(TrainerTest.CONFIG, 11));
    }

    private static AdamWOptimizer adamW(CausalLanguageModel model) {
        return new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
    }

    private static Trainer.Result train(Path out, int batchSize, long steps) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            CausalLanguageModel model = model();
            Trainer trainer = new Trainer(model, backend, adamW(model), new LearningRateSchedule.WarmupCosine(1e-2, 5, 40, 0.1),
                    new LanguageModelBatches(TrainerTest.corpus(4000), batchSize, 12, 5), null,
                    new Trainer.Settings(steps, 0, 10, 2, 1.0, out, true, false), message -> {});
            return trainer.run();
        }
    }

    @Test
    void aFlippedBitFailsTheChecksumAndTheRestoreFallsBackWithAMessage(@TempDir Path dir) throws IOException {
        TrainerTest.train(dir, 20, false, 1e-2);
        Checkpoints checkpoints = new Checkpoints(dir.resolve("checkpoints"), 2, m -> {});
        Path newest = checkpoints.list().getLast();
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 3] ^= 0x10; // inside the last tensor's data: the file still parses
        Files.write(newest, bytes);
        List<String> messages = new ArrayList<>();
        CausalLanguageModel model = model();
        var restored = new Checkpoints(dir.resolve("checkpoints"), 2, messages::add).restoreLatest(model.parameters(), adamW(model));
        assertEquals(10, restored.orElseThrow().step());
        assertEquals(List.of("checkpoint step-00000020.safetensors is unusable (checksum mismatch); falling back to step-00000010.safetensors"),
                messages);
    }

    @Test
    void headerEditsThatKeepTheBytesFailTheChecksum(@TempDir Path dir) throws IOException {
        String shape = "\"model/transformer.h.0.mlp.c_fc.weight\":{\"dtype\":\"F32\",\"shape\":";
        for (String[] edit : new String[][] {{"\"step\":\"20\"", "\"step\":\"30\""}, {shape + "[64,16]", shape + "[16,64]"}}) {
            CausalLanguageModel model = model();
            AdamWOptimizer optimizer = adamW(model);
            Checkpoints checkpoints = new Checkpoints(dir, 2, m -> {});
            Path file = checkpoints.save(20, model.parameters(), optimizer, java.util.Map.of());
            String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(text.contains(edit[0]), edit[0]);
            Files.write(file, text.replace(edit[0], edit[1]).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            var e = assertThrows(Checkpoints.CorruptCheckpointException.class, () -> checkpoints.restore(file, model.parameters(), optimizer));
            assertEquals("checksum mismatch", e.getMessage(), edit[1]);
        }
    }

    @Test
    void anOutputDirectoryUnderARegularFileIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "a file, not a directory");
        IOException e = assertThrows(IOException.class, () -> train(file.resolve("run"), 4, 10));
        assertEquals("output directory " + file.resolve("run") + " is not writable: " + file
                + " is a file, not a directory; choose another with --output", e.getMessage());
    }

    @Test
    void aDiskWithoutRoomForTheCheckpointsIsRefusedWithBothSizes(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> RunDirectory.requireWritable(dir.resolve("run"), Long.MAX_VALUE));
        assertTrue(e.getMessage().matches("output directory " + java.util.regex.Pattern.quote(dir.resolve("run").toString())
                + " has [\\d.]+ [KMG]iB free, but its checkpoints need 8589934592\\.0 GiB; free some space or choose another with --output"),
                e.getMessage());
    }

    @Test
    void aFailedCheckpointWriteNamesTheFileAndLeavesTheLastCheckpointIntact(@TempDir Path dir) throws IOException {
        train(dir, 4, 10);
        Path checkpoints = dir.resolve("checkpoints");
        Path kept = checkpoints.resolve("step-00000010.safetensors");
        byte[] before = Files.readAllBytes(kept);
        // A non-empty directory where step 20 goes: the final rename of its write fails, whoever runs the test.
        Files.createDirectories(checkpoints.resolve("step-00000020.safetensors").resolve("blocker"));
        IOException e = assertThrows(IOException.class, () -> train(dir, 4, 30));
        assertTrue(e.getMessage().startsWith("cannot write checkpoint " + checkpoints.resolve("step-00000020.safetensors") + " ("),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; the last checkpoint " + kept + " is intact"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(kept));
        try (var left = Files.list(checkpoints)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "the failed write's temp file is gone");
        }
    }

    @Test
    void memoryEstimateCountsParametersGradientsStateAndLinearActivations() {
        CausalLanguageModel model = model();
        model.parameters().getFirst().setTrainable(false);
        AdamWOptimizer optimizer = adamW(model);
        var batch = new LanguageModelBatches(TrainerTest.corpus(4000), 3, 7, 5).batch(0);
        MemoryEstimate estimate = MemoryEstimate.of(model, optimizer, batch);
        long all = 0, trainable = 0, features = 0;
        for (Parameter p : model.parameters()) {
            all += p.value().size();
            if (p.trainable()) trainable += p.value().size();
        }
        for (Linear l : model.linears().values()) features += l.inFeatures() + l.outFeatures();
        assertEquals(new MemoryEstimate(4 * all, 4 * trainable, optimizer.stateBytes(), 4L * 3 * 3 * 7 * features), estimate);
        assertTrue(features > 0 && optimizer.stateBytes() > 0);
    }

    @Test
    void aRunThatCannotFitTheHeapIsRefusedWithTheNumbersBeforeAnythingIsWritten(@TempDir Path dir) {
        int batchSize = (int) Math.min(Integer.MAX_VALUE / 12, Runtime.getRuntime().maxMemory() / (12L * 12 * 100) + 1);
        var e = assertThrows(MemoryEstimate.InsufficientMemoryException.class, () -> train(dir, batchSize, 10));
        String size = "[\\d.]+ [KMG]iB";
        assertTrue(e.getMessage().matches("training needs about " + size + " of heap \\(parameters " + size + ", gradients " + size
                + ", optimizer state " + size + ", activations of a " + batchSize + "×12 batch " + size + "\\) but the JVM may use at most "
                + size + "; raise -Xmx .*"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("metrics.jsonl")));
        assertFalse(Files.exists(dir.resolve("checkpoints")));
    }
}
