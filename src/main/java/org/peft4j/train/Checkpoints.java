package org.peft4j.train;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.peft4j.io.AtomicFiles;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.StateDict;
import org.peft4j.optim.Optimizer;
import org.peft4j.tensor.Tensor;

/**
 * The checkpoints of one run: {@code <dir>/step-00000123.safetensors}, each holding the trainable
 * parameters ({@code model/<name>}), the optimizer state ({@code optimizer/<name>}) and, in its
 * metadata, the step and a CRC-32C of every name, shape and value and of the step. Written
 * atomically (temp file, fsync, rename); the newest {@code keep} are kept. Loading falls back to
 * the previous checkpoint when the newest is truncated or fails its checksum, and says so; a
 * resume deletes the temp files of writes that a crash interrupted. A failed write names the file
 * and leaves every earlier checkpoint as it was.
 *
 * <p>Crash tests set the system property {@value #WRITE_DELAY_PROPERTY} (milliseconds) to pause
 * after each block written, so that a kill lands inside a checkpoint write.
 */
public final class Checkpoints {
    /** Format 1 (checksum over names and values only) is not read: a header edit could pass it. */
    static final String FORMAT = "peft4j-checkpoint/2";
    /** Fault injection for crash tests: pause this many milliseconds after each block of a checkpoint write. */
    public static final String WRITE_DELAY_PROPERTY = "peft4j.checkpoint.writeDelayMillis";
    private static final String NAME = "step-\\d{8}\\.safetensors";
    private static final String MODEL = "model/", OPTIMIZER = "optimizer/";

    /** What a checkpoint restored: the number of completed steps. */
    public record Restored(Path file, long step) {}

    private final Path dir;
    private final int keep;
    private final Consumer<String> log;

    public Checkpoints(Path dir, int keep, Consumer<String> log) {
        if (keep < 1) throw new IllegalArgumentException("keep at least one checkpoint, got " + keep);
        this.dir = dir;
        this.keep = keep;
        this.log = log;
    }

    public Path directory() { return dir; }

    /** Saves the state after {@code step} completed steps and prunes older checkpoints. */
    public Path save(long step, List<Parameter> parameters, Optimizer optimizer, Map<String, String> extra) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : parameters) if (p.trainable()) tensors.put(MODEL + p.name(), p.value());
        optimizer.state().forEach((name, t) -> tensors.put(OPTIMIZER + name, t));
        Map<String, String> metadata = new LinkedHashMap<>(extra);
        metadata.put("format", FORMAT);
        metadata.put("step", Long.toString(step));
        metadata.put("crc32c", Long.toHexString(checksum(tensors, step)));
        Path file = dir.resolve(String.format("step-%08d.safetensors", step));
        long delay = Long.getLong(WRITE_DELAY_PROPERTY, 0);
        try {
            AtomicFiles.write(file, out -> Safetensors.write(delay > 0 ? new Paused(out, delay) : out, tensors, metadata, name -> DType.F32));
        } catch (IOException e) {
            List<Path> kept = list();
            throw new IOException("cannot write checkpoint " + file + " (" + e + "); "
                    + (kept.isEmpty() ? "no earlier checkpoint exists" : "the last checkpoint " + kept.getLast() + " is intact"), e);
        }
        prune();
        return file;
    }

    /** Restores the newest intact checkpoint into the parameters and optimizer, if there is one. */
    public Optional<Restored> restoreLatest(List<Parameter> parameters, Optimizer optimizer) throws IOException {
        deleteInterruptedWrites();
        List<Path> files = list();
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            try {
                return Optional.of(restore(file, parameters, optimizer));
            } catch (CorruptCheckpointException e) {
                log.accept("checkpoint " + file.getFileName() + " is unusable (" + e.getMessage() + ")"
                        + (i > 0 ? "; falling back to " + files.get(i - 1).getFileName() : ""));
            }
        }
        return Optional.empty();
    }

    /** Restores one checkpoint; damaged files throw {@link CorruptCheckpointException}, a mismatched model throws its own error. */
    public Restored restore(Path file, List<Parameter> parameters, Optimizer optimizer) throws IOException {
        SafetensorsFile contents;
        try {
            contents = Safetensors.read(file);
        } catch (org.peft4j.io.SafetensorsFormatException e) {
            throw new CorruptCheckpointException(e.getMessage());
        }
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get("format"))) throw new CorruptCheckpointException("not a " + FORMAT + " file");
        if (!contents.intTensors().isEmpty()) {
            throw new CorruptCheckpointException("tensors " + contents.intTensors().keySet() + " have integer dtypes; a checkpoint holds only floats");
        }
        long step = step(meta.get("step"));
        if (!Long.toHexString(checksum(contents.tensors(), step)).equals(meta.get("crc32c"))) {
            throw new CorruptCheckpointException("checksum mismatch");
        }
        Map<String, Tensor> model = new LinkedHashMap<>(), state = new LinkedHashMap<>();
        contents.tensors().forEach((name, t) -> {
            if (name.startsWith(MODEL)) model.put(name.substring(MODEL.length()), t);
            else if (name.startsWith(OPTIMIZER)) state.put(name.substring(OPTIMIZER.length()), t);
        });
        StateDict.load(parameters.stream().filter(Parameter::trainable).toList(), model, false);
        optimizer.loadState(state);
        return new Restored(file, step);
    }

    /** Checkpoint files, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(NAME) && Files.isRegularFile(p)).sorted().toList();
        }
    }

    private static long step(String text) throws CorruptCheckpointException {
        try {
            long step = Long.parseLong(text == null ? "" : text);
            if (step >= 0) return step;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CorruptCheckpointException("metadata \"step\" is " + (text == null ? "missing" : "\"" + text + "\"")
                + ", not a step count");
    }

    /** Deletes the temp files ({@code .step-….safetensors.tmp-…}) that a crash left behind in the middle of a save. */
    private void deleteInterruptedWrites() throws IOException {
        if (!Files.isDirectory(dir)) return;
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale = s.filter(p -> p.getFileName().toString().matches("\\." + NAME + "\\.tmp-[0-9a-f]+")).toList();
        }
        for (Path p : stale) Files.deleteIfExists(p);
        if (!stale.isEmpty()) log.accept("deleted " + stale.size() + " unfinished checkpoint write(s) of an interrupted run");
    }

    private void prune() throws IOException {
        List<Path> files = new ArrayList<>(list());
        while (files.size() > keep) Files.deleteIfExists(files.remove(0));
    }

    /**
     * CRC-32C over every tensor's name, shape and float bits, in name order, then {@code "step=<step>"}:
     * a header edit that keeps the bytes (another shape of the same size, another step) cannot pass.
     */
    static long checksum(Map<String, Tensor> tensors, long step) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
            crc.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            Tensor t = e.getValue();
            crc.update(Arrays.toString(t.shape()).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < t.size(); i++) {
                if (buf.remaining() < 4) {
                    crc.update(buf.flip());
                    buf.clear();
                }
                buf.putFloat(t.at(i));
            }
            crc.update(buf.flip());
            buf.clear();
        }
        crc.update(("step=" + step).getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** Passes writes through, pausing after each block: see {@link #WRITE_DELAY_PROPERTY}. */
    private static final class Paused extends FilterOutputStream {
        private final long millis;

        Paused(OutputStream out, long millis) {
            super(out);
            this.millis = millis;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("checkpoint write interrupted");
            }
        }
    }

    /** A checkpoint file that is truncated, not ours, or fails its checksum. */
    public static final class CorruptCheckpointException extends IOException {
        CorruptCheckpointException(String message) { super(message); }
    }

}
