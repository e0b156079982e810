package org.peft4j.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Backends;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.bench.TrainingStepBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j bench step}: training-step throughput of the model families on one backend. */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = {"Time training steps (forward, backward, AdamW update) of a MiniLM-sized encoder and a GPT decoder",
                "of the same width (fully trainable, frozen + LoRA r=8) and their forward passes: median of --runs",
                "after --warmup, as a Markdown table."})
final class BenchStepCommand implements Callable<Integer> {
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--warmup", defaultValue = "3") int warmup;
    @Option(names = "--runs", defaultValue = "7") int runs;
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0: one per core).") int threads;
    @Option(names = "--models", split = ",", defaultValue = "encoder,decoder",
            description = "Model families to time, comma-separated (default: ${DEFAULT-VALUE}).") List<String> models;
    @Option(names = "--backend", defaultValue = "auto", description = "jvm, tornado or auto (default: ${DEFAULT-VALUE}).") String backend;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() {
        try (Backend b = Backends.create(backend, threads)) {
            List<TrainingStepBenchmark.Row> rows = TrainingStepBenchmark.run(b, models, batch, seq, warmup, runs);
            System.out.printf("backend %s, %d threads, batch %d × %d tokens, median of %d runs after %d warm-up; training steps include the AdamW update; JIT inlining directives %s%n%n",
                    b.name(), b.parallelism(), batch, seq, runs, warmup, JvmBackend.vectorHelpersInlined() ? "on" : "off");
            System.out.println("| model | mode | trainable / total params | s/step (median) | s/step (min) | tokens/s | MB allocated/step |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (TrainingStepBenchmark.Row r : rows) {
                long allocated = r.timing().allocatedBytesPerRun();
                System.out.printf("| %s | %s | %,d / %,d | %.3f | %.3f | %,.0f | %s |%n", r.model(), r.mode(), r.trainable(), r.total(),
                        r.timing().medianSeconds(), r.timing().minSeconds(), r.tokensPerSecond(),
                        allocated < 0 ? "n/a" : String.format("%.1f", allocated / 1e6));
            }
        }
        return 0;
    }
}
