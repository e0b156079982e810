package org.peft4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code peft4j} command line. */
@Command(name = "peft4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Parameter-efficient fine-tuning and low-rank training on the JVM.",
        subcommands = {FinetuneCommand.class, CompareCommand.class, PretrainCommand.class, TrainCommand.class, EmbedCommand.class, ClassifyCommand.class, BenchCommand.class,
                CompressCommand.class,
                DevicesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured picocli command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler(new UsageErrors());
        cli.setExecutionExceptionHandler(new UsageErrors());
        return cli;
    }
}
