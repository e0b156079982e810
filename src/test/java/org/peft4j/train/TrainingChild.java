package org.peft4j.train;

import java.nio.file.Path;

/**
 * A training run in its own JVM, for the kill-and-resume test: {@code TrainingChild <output dir> <steps>}.
 * It always resumes, so that the same command continues after every kill.
 */
public final class TrainingChild {
    private TrainingChild() {}

    public static void main(String[] args) throws Exception {
        KillAndResumeTest.train(Path.of(args[0]), Long.parseLong(args[1]));
    }
}
