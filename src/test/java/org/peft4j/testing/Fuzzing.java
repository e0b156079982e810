package org.peft4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The contract every parser fuzz target checks: on any input the parser returns normally or
 * throws its one documented exception type, whose message is not empty. Anything else (a
 * RuntimeException, an OutOfMemoryError from a size the input merely claims, a
 * StackOverflowError) escapes to Jazzer as a finding.
 */
public final class Fuzzing {
    private Fuzzing() {}

    /** A parse step that may throw anything. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    /** Runs {@code parse}, swallowing only the {@code documented} types (with a message) and letting every other throwable escape. */
    @SafeVarargs
    public static void onlyThrows(Parse parse, Class<? extends Exception>... documented) throws Exception {
        try {
            parse.run();
        } catch (Exception e) {
            if (Arrays.stream(documented).noneMatch(type -> type.isInstance(e))) throw e;
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError(e.getClass().getSimpleName() + " without a message", e);
            }
        }
    }

    /** A scratch file for parsers that read paths, rewritten with each input (in memory, under /dev/shm, where there is one). */
    public static Path scratchFile(String name) {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "peft4j-fuzz")
                    : Files.createTempDirectory("peft4j-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve(name);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
