package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL in a child JVM, then resumed here, reproduces the losses of an
 * uninterrupted run bit for bit from the checkpoint it resumed at.
 */
class KillAndResumeTest {
    static final long STEPS = 200;

    @Test
    void sigkilledRunResumesToTheUninterruptedTrajectory(@TempDir Path straight, @TempDir Path killed) throws Exception {
        List<Float> reference = TrainerTest.train(straight, STEPS, false, 1e-2).losses();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                TrainingChild.class.getName(), killed.toString(), Long.toString(STEPS))
                .redirectErrorStream(true).redirectOutput(killed.resolveSibling(killed.getFileName() + ".log").toFile()).start();
        Path checkpoints = killed.resolve("checkpoints");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(checkpoints.resolve("step-00000010.safetensors")) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertTrue(Files.exists(checkpoints.resolve("step-00000010.safetensors")), "the child wrote its first checkpoint before the kill");

        Trainer.Result resumed = TrainerTest.train(killed, STEPS, true, 1e-2);
        assertTrue(resumed.firstStep() >= 10 && resumed.firstStep() < STEPS,
                "resumed at step " + resumed.firstStep() + " (the kill must land before the end)");
        assertEquals(reference.subList((int) resumed.firstStep(), (int) STEPS), resumed.losses());
    }

}
