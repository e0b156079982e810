package org.peft4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peft4j.experiment.ExperimentSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft4j train --config FILE}: a whole experiment from its JSON spec. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Run an experiment from a JSON spec (model, data, optimizer, schedule, seed); flags override it.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Experiment JSON (keys it omits take the defaults).") Path config;
    @Mixin ExperimentOptions common;

    @Override
    public Integer call() throws Exception {
        return ExperimentRun.run(ExperimentSpec.load(config, common.overrides()), common.resume);
    }
}
