package org.peft4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.experiment.ExperimentSpec;
import org.peft4j.experiment.LanguageModelExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft4j pretrain}: a small GPT from scratch on the State of the Union speeches. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain a small GPT from scratch on the State of the Union speeches.",
                "Reports validation loss and perplexity against the unigram baseline."})
final class PretrainCommand implements Callable<Integer> {
    @Mixin ExperimentOptions common;
    @Option(names = "--config", description = "Experiment JSON merged over the defaults (flags override it).") Path config;
    @Option(names = "--layers") Integer layers;
    @Option(names = "--hidden") Integer hidden;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--context", description = "Sequence length.") Integer context;
    @Option(names = "--dropout") Float dropout;
    @Option(names = "--tokenizer", description = "char (default) or gpt2.") String tokenizer;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> overrides = common.overrides();
        ExperimentOptions.put(overrides, "model.layers", layers);
        ExperimentOptions.put(overrides, "model.hidden", hidden);
        ExperimentOptions.put(overrides, "model.heads", heads);
        ExperimentOptions.put(overrides, "model.context", context);
        ExperimentOptions.put(overrides, "model.dropout", dropout);
        ExperimentOptions.put(overrides, "data.tokenizer", tokenizer);
        ExperimentSpec spec = config == null ? ExperimentSpec.withOverrides(overrides) : ExperimentSpec.load(config, overrides);
        return ExperimentRun.run(spec, common.resume);
    }
}
