package org.peft4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the training commands; each set option overrides the experiment spec key it names. */
final class ExperimentOptions {
    @Option(names = "--steps", description = "Optimizer steps.") Long steps;
    @Option(names = "--batch-size", description = "Sequences per step.") Integer batchSize;
    @Option(names = "--lr", description = "Peak learning rate.") Double lr;
    @Option(names = "--seed", description = "Seed of initialisation, data order and dropout.") Long seed;
    @Option(names = "--threads", description = "Worker threads (0: one per core).") Integer threads;
    @Option(names = "--backend", description = "jvm, tornado or auto.") String backend;
    @Option(names = {"-o", "--output"}, description = "Run directory (metrics, checkpoints, plots).") String output;
    @Option(names = "--eval-every", description = "Evaluate every N steps.") Integer evalEvery;
    @Option(names = "--resume", description = "Continue the run in --output from its newest intact checkpoint.") boolean resume;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    /** Dotted spec keys for the options that were given. */
    Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "steps", steps);
        put(o, "batch_size", batchSize);
        put(o, "optimizer.lr", lr);
        put(o, "seed", seed);
        put(o, "threads", threads);
        put(o, "backend", backend);
        put(o, "output", output);
        put(o, "eval_every", evalEvery);
        return o;
    }

    static void put(Map<String, Object> o, String key, Object value) {
        if (value != null) o.put(key, value);
    }
}
