package org.peft4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.experiment.ExperimentSpec;
import org.peft4j.experiment.PretrainComparison;
import org.peft4j.experiment.PretrainMethod;
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
    @Option(names = "--method", description = "full, lowrank, sltrain, lost, galore or dct (default: the spec's model.weight and optimizer).") String method;
    @Option(names = "--methods", split = ",", description = "Several methods, run one after another on the same budget and seed; "
            + "writes comparison.md and validation-loss.png into the run directory.") List<String> methods;
    @Option(names = "--rank", description = "Rank r of lowrank, sltrain and lost weights.") Integer rank;
    @Option(names = "--lowrank-rank", description = "Rank of the lowrank method alone (to match the others' parameter count).") Integer lowrankRank;
    @Option(names = "--b-init", description = "How lowrank and sltrain start B: auto (lowrank random, sltrain zero), random or zero.") String bInit;
    @Option(names = "--density", description = "Sparse density δ of sltrain (entries) and lost (input channels).") Double density;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> overrides = common.overrides();
        ExperimentOptions.put(overrides, "model.layers", layers);
        ExperimentOptions.put(overrides, "model.hidden", hidden);
        ExperimentOptions.put(overrides, "model.heads", heads);
        ExperimentOptions.put(overrides, "model.context", context);
        ExperimentOptions.put(overrides, "model.dropout", dropout);
        ExperimentOptions.put(overrides, "data.tokenizer", tokenizer);
        ExperimentOptions.put(overrides, "model.weight.rank", rank);
        ExperimentOptions.put(overrides, "model.weight.density", density);
        ExperimentOptions.put(overrides, "model.weight.b_init", bInit);
        if (methods != null && method != null) throw new IllegalArgumentException("give either --method or --methods, not both");
        if (methods == null) {
            return ExperimentRun.run(spec(method == null ? overrides : withMethod(overrides, PretrainMethod.parse(method))), common.resume);
        }
        if (common.resume) throw new IllegalArgumentException("--resume continues one run; it cannot be combined with --methods");
        List<PretrainMethod> chosen = methods.stream().map(PretrainMethod::parse).toList();
        Path output = Path.of(spec(overrides).output());
        List<PretrainComparison.Row> rows = PretrainComparison.run(chosen, output, (m, dir) -> {
            Map<String, Object> all = withMethod(overrides, m);
            all.put("output", dir.toString());
            return spec(all);
        }, System.err::println);
        System.out.print(PretrainComparison.table(rows));
        System.out.println("written: " + output.resolve("comparison.md").toAbsolutePath() + ", " + output.resolve("validation-loss.png"));
        return 0;
    }

    private Map<String, Object> withMethod(Map<String, Object> overrides, PretrainMethod m) {
        Map<String, Object> all = new LinkedHashMap<>(overrides);
        all.putAll(m.overrides());
        if (m == PretrainMethod.LOWRANK && lowrankRank != null) all.put("model.weight.rank", lowrankRank);
        return all;
    }

    private ExperimentSpec spec(Map<String, Object> overrides) {
        try {
            return config == null ? ExperimentSpec.withOverrides(overrides) : ExperimentSpec.load(config, overrides);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read experiment config " + config, e);
        }
    }
}
