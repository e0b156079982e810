package org.peft4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code peft4j bench}: reproducible performance measurements. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure performance.",
        subcommands = {BenchInferenceCommand.class, BenchStepCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
