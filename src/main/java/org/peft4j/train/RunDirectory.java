package org.peft4j.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.Optimizer;

/**
 * Checks a run directory before training starts, so that an unwritable or full disk is reported
 * in seconds, not after the first hours of a run:
 * <pre>
 *   create it → write, fsync and delete a probe file → usable space ≥ (keep + 1) · checkpoint bytes
 *   checkpoint bytes ≈ 4 · trainable values + optimizer state bytes   (+ 64 KiB header allowance)
 * </pre>
 */
public final class RunDirectory {
    private static final int PROBE_BYTES = 4096;
    private static final long HEADER_ALLOWANCE = 1 << 16;

    private RunDirectory() {}

    /** Size of one checkpoint of {@code trainable} and the state of {@code optimizer}, in bytes. */
    static long checkpointBytes(List<Parameter> trainable, Optimizer optimizer) {
        long values = trainable.stream().mapToLong(p -> p.value().size()).sum();
        return 4 * values + optimizer.stateBytes() + HEADER_ALLOWANCE;
    }

    /** Creates {@code dir} if needed and proves it takes a synced write of a file and {@code needBytes} more. */
    public static void requireWritable(Path dir, long needBytes) throws IOException {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe-", ".tmp");
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.allocate(PROBE_BYTES));
                channel.force(true);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            throw new IOException("output directory " + dir + " is not writable: " + reason(dir, e)
                    + "; choose another with --output", e);
        }
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < needBytes) {
            throw new IOException("output directory " + dir + " has " + MemoryEstimate.size(usable) + " free, but its checkpoints need "
                    + MemoryEstimate.size(needBytes) + "; free some space or choose another with --output");
        }
    }

    private static String reason(Path dir, IOException e) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) return p + " is a file, not a directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage();
    }
}
