package org.peft4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.experiment.InferenceBenchmark;
import org.peft4j.model.PretrainedBert;
import org.peft4j.model.SentenceEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft4j bench inference}: sentence-embedding throughput, optionally recorded in a markdown results file. */
@Command(name = "inference", mixinStandardHelpOptions = true,
        description = {"Time the encoder's forward pass (evaluation mode, mean pooling) on one batch of fixed token ids:",
                "median of the timed runs after warm-up, as sentences/s. --results writes the section \"MiniLM inference\"",
                "of a markdown file (replacing an older one) with the exact command."})
final class BenchInferenceCommand implements Callable<Integer> {
    static final String HEADING = "MiniLM inference";

    @Mixin ModelOption model;
    @Option(names = "--batch", defaultValue = "8", description = "Sentences per batch (default: ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--length", defaultValue = "128", description = "Tokens per sentence (default: ${DEFAULT-VALUE}).") int length;
    @Option(names = "--threads", defaultValue = "2", description = "JvmBackend worker threads (default: ${DEFAULT-VALUE}).") int threads;
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (default: ${DEFAULT-VALUE}).") int runs;
    @Option(names = "--kernel-note", defaultValue = "as built", description = "What GEMM kernel the build has, for the table.") String kernelNote;
    @Option(names = "--results", paramLabel = "FILE", description = "Markdown file to write the section into, e.g. benchmarks/RESULTS.md.") Path results;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) throw new IllegalArgumentException("--threads must be ≥ 1 for a reproducible benchmark, got " + threads);
        PretrainedBert pretrained = model.load();
        SentenceEncoder encoder = SentenceEncoder.of(pretrained);
        InferenceBenchmark.Result r;
        try (JvmBackend backend = new JvmBackend(threads)) {
            r = InferenceBenchmark.run(backend, threads, encoder, batch, length, warmup, runs, System.err::println);
        }
        System.out.printf("%s: %.2f sentences/s (%.0f tokens/s), median %.3f s per batch of %d × %d, %d threads%n",
                pretrained.source(), r.sentencesPerSecond(), r.tokensPerSecond(), r.median(), batch, length, threads);
        if (results != null) {
            String command = "scripts/peft4j bench inference" + (model.model == null ? "" : " --model " + model.model)
                    + " --batch " + batch + " --length " + length + " --threads " + threads + " --warmup " + warmup + " --runs " + runs
                    + " --kernel-note '" + kernelNote.replace("'", "'\\''") + "' --results " + results;
            InferenceBenchmark.writeSection(results, HEADING, InferenceBenchmark.markdown(HEADING, pretrained.source(), r, kernelNote, command));
            System.out.println("wrote section \"" + HEADING + "\" of " + results);
        }
        return 0;
    }
}
