package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;

/**
 * A run in a child JVM is SIGKILLed again and again, alternately in the middle of training steps
 * (a random 1–4 steps past a new checkpoint) and in the middle of a checkpoint
 * write (slowed by {@link Checkpoints#WRITE_DELAY_PROPERTY}); each time the same command resumes
 * it. After every kill each complete checkpoint file is intact and the newest one never goes
 * back; every step any child logged, and the steps of the final resume, have bit for bit the loss
 * of an uninterrupted run of the same seed.
 *
 * <p>{@value #KILLS_PROPERTY} sets the number of kills: 3 by default (about 15 s), e.g.
 * {@code mvn test -Dtest=KillAndResumeTest -Dpeft4j.killAndResume.kills=24} for the long mode.
 */
class KillAndResumeTest {
    static final String KILLS_PROPERTY = "peft4j.killAndResume.kills";
    private static final long WRITE_DELAY_MILLIS = 3;
    private static final int CHECKPOINT_EVERY = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void repeatedlySigkilledRunResumesToTheUninterruptedTrajectory(@TempDir Path straight, @TempDir Path killed) throws Exception {
        int kills = Integer.getInteger(KILLS_PROPERTY, 3);
        long steps = 30 + 10L * kills;
        long began = System.nanoTime();
        List<Float> reference = train(straight, steps).losses();
        Path checkpoints = killed.resolve("checkpoints");
        SplittableRandom random = new SplittableRandom(kills);
        long newest = 0;
        int inWrite = 0, inSteps = 0;
        for (int k = 0; k < kills; k++) {
            Process child = start(killed, steps);
            boolean duringWrite = k % 2 == 1;
            long before = newest;
            int extraSteps = random.nextInt(1, CHECKPOINT_EVERY);
            BooleanSupplier due = duringWrite
                    ? () -> !unfinishedWrites(checkpoints).isEmpty()
                    : () -> newestStep(checkpoints) > before && lastLoggedStep(killed) >= newestStep(checkpoints) + extraSteps;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (child.isAlive() && !due.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(2);
            assertTrue(child.isAlive(), "kill " + (k + 1) + " of " + kills + ": the child ended before it could be killed; see " + log(killed));
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
            if (!unfinishedWrites(checkpoints).isEmpty()) inWrite++;
            else inSteps++;
            newest = checkIntact(checkpoints, newest);
            System.out.printf("kill %d at %.1f s: %s; newest checkpoint %d%n", k + 1, (System.nanoTime() - began) / 1e9,
                    unfinishedWrites(checkpoints).isEmpty() ? "between writes" : "in a checkpoint write", newest);
        }
        assertTrue(inWrite >= kills / 2 && inSteps >= (kills + 1) / 2 - 1,
                inWrite + " kills landed in a checkpoint write and " + inSteps + " in training steps");

        Trainer.Result resumed = train(killed, steps);
        assertEquals(newest, resumed.firstStep(), "resumed from the newest intact checkpoint");
        assertEquals(reference.subList((int) resumed.firstStep(), (int) steps), resumed.losses());
        assertEquals(List.of(), unfinishedWrites(checkpoints), "the resume deleted the temp files of interrupted writes");
        TreeMap<Long, Float> logged = loggedSteps(killed);
        assertEquals(steps, logged.size(), "every step was logged at least once");
        logged.forEach((step, loss) -> assertEquals(reference.get((int) (step - 1)), loss, "loss of step " + step));
    }

    /** {@link TrainerTest}'s model and data, checkpointed every {@value #CHECKPOINT_EVERY} steps, always resuming. */
    static Trainer.Result train(Path out, long steps) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(TrainerTest.CONFIG, 11));
            Trainer trainer = new Trainer(model, backend, adamW(model), new LearningRateSchedule.WarmupCosine(1e-2, 5, steps, 0.1),
                    new LanguageModelBatches(TrainerTest.corpus(4000), 4, 12, 5), null,
                    new Trainer.Settings(steps, 0, CHECKPOINT_EVERY, 2, 1.0, out, true, false), message -> {});
            return trainer.run();
        }
    }

    private static AdamWOptimizer adamW(CausalLanguageModel model) {
        return new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
    }

    private static Process start(Path dir, long steps) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-D" + Checkpoints.WRITE_DELAY_PROPERTY + "=" + WRITE_DELAY_MILLIS,
                "-cp", System.getProperty("java.class.path"), TrainingChild.class.getName(), dir.toString(), Long.toString(steps))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(dir).toFile())).start();
    }

    private static Path log(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".log");
    }

    /** Every complete checkpoint restores; returns the newest step, which must not have gone back. */
    private static long checkIntact(Path checkpoints, long previousNewest) throws IOException {
        Checkpoints files = new Checkpoints(checkpoints, 2, message -> {});
        long newest = 0;
        for (Path file : files.list()) {
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(TrainerTest.CONFIG, 11));
            newest = Math.max(newest, files.restore(file, model.parameters(), adamW(model)).step());
        }
        assertTrue(newest >= previousNewest, "the newest checkpoint went back from step " + previousNewest + " to " + newest);
        return newest;
    }

    private static long newestStep(Path checkpoints) {
        try {
            List<Path> files = new Checkpoints(checkpoints, 2, message -> {}).list();
            return files.isEmpty() ? 0 : Long.parseLong(files.getLast().getFileName().toString().replaceAll("\\D", ""));
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<Path> unfinishedWrites(Path checkpoints) {
        if (!Files.isDirectory(checkpoints)) return List.of();
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Step → loss of every complete line of metrics.jsonl (a line cut by the kill is skipped; a redone step must repeat its loss). */
    private static TreeMap<Long, Float> loggedSteps(Path dir) {
        TreeMap<Long, Float> steps = new TreeMap<>();
        Path metrics = dir.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) return steps;
        try {
            for (String line : Files.readAllLines(metrics)) {
                JsonNode record;
                try {
                    record = JSON.readTree(line);
                } catch (IOException cut) {
                    continue;
                }
                if (record == null || !record.has("loss")) continue;
                float loss = record.get("loss").floatValue();
                Float earlier = steps.put(record.get("step").longValue(), loss);
                if (earlier != null && Float.compare(earlier, loss) != 0) {
                    throw new AssertionError("step " + record.get("step") + " logged loss " + earlier + " and later " + loss);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return steps;
    }

    private static long lastLoggedStep(Path dir) {
        TreeMap<Long, Float> steps = loggedSteps(dir);
        return steps.isEmpty() ? 0 : steps.lastKey();
    }
}
