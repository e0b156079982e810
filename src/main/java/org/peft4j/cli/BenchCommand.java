package org.peft4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Backends;
import org.peft4j.bench.BackendComparison;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft4j bench}: reproducible performance measurements. With {@code --backends}, the
 * kernels and training steps of a MiniLM-size encoder on each backend, side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure performance. With --backends jvm,tornado: per-kernel and per-step times side by side",
                "(warm medians; device copy and kernel times apart). Subcommands measure one backend in depth."},
        subcommands = {BenchInferenceCommand.class, BenchStepCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--backends", split = ",", description = "Backends to compare, e.g. jvm,tornado.") List<String> backends;
    @Option(names = "--batch", defaultValue = "8", description = "Sequences per batch (default: ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--seq", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).") int seq;
    @Option(names = "--warmup", defaultValue = "2") int warmup;
    @Option(names = "--runs", defaultValue = "5") int runs;
    @Option(names = "--threads", defaultValue = "0", description = "Host threads (0: one per core).") int threads;
    @Option(names = "--no-steps", description = "Kernels only, no whole training steps.") boolean noSteps;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public void run() {
        if (backends == null) {
            spec.commandLine().usage(System.out);
            return;
        }
        if (batch < 1 || seq < 1 || runs < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch, --seq and --runs must be positive, --warmup non-negative");
        }
        List<Backend> opened = new ArrayList<>();
        try {
            for (String name : backends) opened.add(Backends.create(name.trim(), threads));
            System.out.printf("batch %d × %d tokens, median of %d runs after %d warm-up%n", batch, seq, runs, warmup);
            for (Backend b : opened) System.out.printf("  %s: %d host threads%n", b.name(), b.parallelism());
            System.out.println();
            List<String> names = opened.stream().map(Backend::name).toList();
            BenchBackendsTable.print(names, BackendComparison.kernels(opened, batch, seq, warmup, runs));
            if (!noSteps) {
                System.out.println();
                BenchBackendsTable.print(names, BackendComparison.steps(opened, batch, seq, warmup, runs));
            }
        } finally {
            opened.forEach(Backend::close);
        }
    }
}
