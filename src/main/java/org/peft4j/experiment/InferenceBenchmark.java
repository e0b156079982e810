package org.peft4j.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.peft4j.backend.Ops;
import org.peft4j.io.AtomicFiles;
import org.peft4j.model.SentenceEncoder;

/**
 * Sentence-embedding throughput: {@code runs} timed forward passes (encoder in evaluation mode
 * plus mean pooling) of one batch of {@code batch × length} tokens after {@code warmup} untimed
 * ones; sentences/s = batch / median seconds. Token ids are drawn from a fixed seed, so every
 * run and machine sees the same input.
 */
public final class InferenceBenchmark {
    private InferenceBenchmark() {}

    /** Seconds of each timed run, in run order. */
    public record Result(int batch, int length, int threads, int warmup, List<Double> seconds) {
        public double median() {
            double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        public double min() { return seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow(); }
        public double max() { return seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow(); }
        public double sentencesPerSecond() { return batch / median(); }
        public double tokensPerSecond() { return (double) batch * length / median(); }
    }

    public static Result run(Ops ops, int threads, SentenceEncoder encoder, int batch, int length, int warmup, int runs,
                             Consumer<String> log) {
        if (batch < 1 || length < 2 || warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("need batch ≥ 1, length ≥ 2, warmup ≥ 0 and runs ≥ 1; got " + batch + ", " + length
                    + ", " + warmup + ", " + runs);
        }
        List<int[]> ids = inputs(encoder, batch, length);
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < warmup + runs; i++) {
            long began = System.nanoTime();
            encoder.meanPooled(ops, ids, batch, done -> {});
            double s = (System.nanoTime() - began) / 1e9;
            boolean timed = i >= warmup;
            if (timed) seconds.add(s);
            log.accept(String.format("%s %d: %.3f s", timed ? "run" : "warm-up", timed ? i - warmup + 1 : i + 1, s));
        }
        return new Result(batch, length, threads, warmup, seconds);
    }

    /** {@code [CLS] t₁ … t_{length−2} [SEP]} with ids drawn uniformly above the special tokens. */
    static List<int[]> inputs(SentenceEncoder encoder, int batch, int length) {
        if (length > encoder.encoder().config().maxPositions()) {
            throw new IllegalArgumentException("length " + length + " exceeds the model's " + encoder.encoder().config().maxPositions() + " positions");
        }
        var tokenizer = encoder.tokenizer();
        SplittableRandom rng = new SplittableRandom(2024);
        List<int[]> ids = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] row = rng.ints(length, 1000, tokenizer.vocabSize()).toArray();
            row[0] = tokenizer.clsId();
            row[length - 1] = tokenizer.sepId();
            ids.add(row);
        }
        return ids;
    }

    /** The markdown section (heading, setup, one-row table, command) for {@code result}. */
    public static String markdown(String heading, String model, Result r, String kernelNote, String command) {
        return "## " + heading + "\n\n"
                + String.format("%s forward pass (evaluation mode) plus mean pooling, batch %d × %d tokens, JvmBackend with %d threads, "
                        + "median of %d timed runs after %d warm-up runs.%n%n", model, r.batch(), r.length(), r.threads(), r.seconds().size(), r.warmup())
                + "| date | sentences/s | tokens/s | median s/batch | min s | max s | GEMM kernel | machine |\n"
                + "|---|---:|---:|---:|---:|---:|---|---|\n"
                + String.format("| %s | %.2f | %.0f | %.3f | %.3f | %.3f | %s | %s |%n%n", LocalDate.now(), r.sentencesPerSecond(),
                        r.tokensPerSecond(), r.median(), r.min(), r.max(), kernelNote, machine())
                + "Timed runs (s): " + r.seconds().stream().map(s -> String.format("%.3f", s)).toList() + "\n\n"
                + "Reproduce:\n\n```\n" + command + "\n```\n";
    }

    /** Replaces the {@code ## heading} section of {@code file} (up to the next {@code ## }) with {@code section}, or appends it. */
    public static void writeSection(Path file, String heading, String section) throws IOException {
        String old = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        List<String> lines = new ArrayList<>(Arrays.asList(old.split("\n", -1)));
        int start = lines.indexOf("## " + heading);
        String updated;
        if (start < 0) {
            updated = old.stripTrailing() + "\n\n" + section;
        } else {
            int end = start + 1;
            while (end < lines.size() && !lines.get(end).startsWith("## ")) end++;
            String before = String.join("\n", lines.subList(0, start)), after = String.join("\n", lines.subList(end, lines.size()));
            updated = before + (before.isEmpty() ? "" : "\n") + section + (after.isBlank() ? "" : "\n" + after);
        }
        byte[] bytes = updated.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Processors, CPU model (from /proc/cpuinfo where present) and Java version. */
    static String machine() {
        String cpu = "";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip() + ", ").findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            // not Linux: the processor count and Java version still describe the machine
        }
        return cpu + Runtime.getRuntime().availableProcessors() + " processors visible, Java " + Runtime.version().feature();
    }
}
