package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;

/** The loop: learning, determinism, exact resume, divergence stops, existing runs protected. */
class TrainerTest {
    static final GptConfig CONFIG = new GptConfig(16, 16, 2, 2, 16, 0.1f, true, 1e-5f);

    /** A token stream with structure to learn: a repeating pattern with noise. */
    static int[] corpus(int n) {
        SplittableRandom rng = new SplittableRandom(3);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(10) == 0 ? rng.nextInt(16) : (i * 5) % 13;
        return t;
    }

    static Trainer.Result train(Path out, long steps, boolean resume, double lr) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(CONFIG, 11));
            AdamWOptimizer optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
            int[] tokens = corpus(4000);
            Evaluator eval = new Evaluator(LanguageModelBatches.sequential(tokens, 4, 12, 3), false);
            Trainer trainer = new Trainer(model, backend, optimizer, new LearningRateSchedule.WarmupCosine(lr, 5, 40, 0.1),
                    new LanguageModelBatches(tokens, 4, 12, 5), eval,
                    new Trainer.Settings(steps, 10, 10, 2, 1.0, out, resume, false), msg -> {});
            return trainer.run();
        }
    }

    @Test
    void learnsAndWritesMetricsPlotAndCheckpoints(@TempDir Path dir) throws IOException {
        Trainer.Result r = train(dir, 40, false, 1e-2);
        float first = r.losses().getFirst(), last = r.losses().getLast();
        assertTrue(last < first * 0.6, "loss should fall clearly: " + first + " → " + last);
        assertEquals(40, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        assertTrue(Files.size(dir.resolve("loss.png")) > 1000);
        assertEquals(2, new Checkpoints(dir.resolve("checkpoints"), 2, m -> {}).list().size(), "only the newest 2 are kept");
        assertEquals(4, r.evaluations().size());
    }

    @Test
    void sameSeedGivesBitwiseIdenticalTrajectory(@TempDir Path a, @TempDir Path b) throws IOException {
        assertEquals(train(a, 15, false, 1e-2).losses(), train(b, 15, false, 1e-2).losses());
    }

    @Test
    void resumeContinuesExactlyWhereItStopped(@TempDir Path straight, @TempDir Path split) throws IOException {
        List<Float> reference = train(straight, 40, false, 1e-2).losses();
        List<Float> firstHalf = train(split, 20, false, 1e-2).losses();
        Trainer.Result second = train(split, 40, true, 1e-2);
        assertEquals(20, second.firstStep());
        List<Float> joined = new ArrayList<>(firstHalf);
        joined.addAll(second.losses());
        assertEquals(reference, joined);
    }

    @Test
    void refusesToOverwriteAnExistingRunWithoutResume(@TempDir Path dir) throws IOException {
        train(dir, 10, false, 1e-2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train(dir, 10, false, 1e-2));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    @Test
    void divergenceStopsWithStepAndKeepsLastCheckpoint(@TempDir Path dir) throws IOException {
        train(dir, 10, false, 1e-2);
        Path kept = new Checkpoints(dir.resolve("checkpoints"), 2, m -> {}).list().getLast();
        byte[] before = Files.readAllBytes(kept);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(dir, 30, true, 1e30));
        assertTrue(e.getMessage().matches("(?s)step \\d+: .*(NaN|Infinity).*"), e.getMessage());
        assertTrue(e.step() > 10 && e.step() <= 30, "step " + e.step());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(kept)), "last good checkpoint untouched");
    }

    @Test
    void truncatedCheckpointFallsBackToThePreviousOneWithAMessage(@TempDir Path dir) throws IOException {
        train(dir, 20, false, 1e-2);
        Checkpoints checkpoints = new Checkpoints(dir.resolve("checkpoints"), 2, m -> {});
        Path newest = checkpoints.list().getLast();
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        List<String> messages = new ArrayList<>();
        CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(CONFIG, 11));
        AdamWOptimizer optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
        var restored = new Checkpoints(dir.resolve("checkpoints"), 2, messages::add).restoreLatest(model.parameters(), optimizer);
        assertEquals(10, restored.orElseThrow().step());
        assertTrue(messages.getFirst().contains("unusable") && messages.getFirst().contains("falling back"), messages.toString());
    }
}
