package org.peft4j.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Backends;
import org.peft4j.data.DataDirectory;
import org.peft4j.data.Sotu;
import org.peft4j.data.Speech;
import org.peft4j.data.Split;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.nn.lowrank.SparsePlusLowRankWeight;
import org.peft4j.optim.Optimizer;
import org.peft4j.text.CharTokenizer;
import org.peft4j.text.Gpt2Tokenizer;
import org.peft4j.text.TextTokenizer;
import org.peft4j.train.Evaluator;
import org.peft4j.train.LanguageModelBatches;
import org.peft4j.train.Trainer;

/**
 * Pretrains a GPT-style decoder from scratch on the State of the Union corpus: tokenise the
 * train and validation speeches, train with the spec's optimizer and schedule, and report
 * validation loss and perplexity next to the unigram baseline.
 */
public final class LanguageModelExperiment {
    private LanguageModelExperiment() {}

    /**
     * The outcome printed at the end and written to {@code summary.json}. {@code parameters} counts
     * every parameter value, {@code trainableParameters} those trained, {@code sparseIndices} the
     * fixed sparse-support indices stored beside them (SLTrain, LOST); {@code evaluations} holds
     * each evaluation ({@code step}, {@code eval_loss}, ...).
     */
    public record Report(int vocabularySize, long trainTokens, long validationTokens, long parameters,
                         long trainableParameters, long sparseIndices, long optimizerStateBytes,
                         double validationLoss, double perplexity, double unigramLoss,
                         double secondsPerStep, double tokensPerSecond, long peakHeapBytes,
                         List<Map<String, Object>> evaluations) {}

    public static Report run(ExperimentSpec spec, boolean resume, Consumer<String> log) throws IOException {
        if (!spec.task().equals("causal-lm")) throw new IllegalArgumentException("task '" + spec.task() + "' is not a language-model task");
        if (!spec.data().dataset().equals("sotu")) {
            throw new IllegalArgumentException("data.dataset '" + spec.data().dataset() + "' is not supported for pretraining; use sotu");
        }
        Split<Speech> split = Sotu.split(Sotu.load(DataDirectory.resolve()), spec.seed());
        String trainText = join(split.train()), validationText = join(split.validation());
        TextTokenizer tokenizer = switch (spec.data().tokenizer()) {
            case "char" -> CharTokenizer.fit(trainText);
            case "gpt2" -> Gpt2Tokenizer.fit(trainText);
            default -> throw new IllegalArgumentException("data.tokenizer must be char or gpt2, got '" + spec.data().tokenizer() + "'");
        };
        int[] train = tokenizer.encode(trainText), validation = tokenizer.encode(validationText);
        log.accept(String.format("SOTU: %d train / %d validation speeches, %,d / %,d %s tokens, vocabulary %d",
                split.train().size(), split.validation().size(), train.length, validation.length, tokenizer.name(),
                tokenizer.vocabularySize()));

        ExperimentSpec.ModelSpec m = spec.model();
        GptConfig config = new GptConfig(tokenizer.vocabularySize(), m.context(), m.layers(), m.heads(), m.hidden(),
                m.dropout(), m.tieWeights(), 1e-5f, m.weight());
        CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(config, spec.seed()));
        long parameters = model.parameters().stream().mapToLong(p -> p.value().size()).sum();
        long trainable = model.parameters().stream().filter(Parameter::trainable).mapToLong(p -> p.value().size()).sum();
        long sparseIndices = SparsePlusLowRankWeight.indexCount(model.linears().values());
        log.accept(String.format("model: GPT %d layers, hidden %d, %d heads, context %d, %s weights: %,d parameters (%,d trained)%s",
                m.layers(), m.hidden(), m.heads(), m.context(), m.weight().kind(), parameters, trainable,
                sparseIndices == 0 ? "" : String.format(" + %,d sparse indices", sparseIndices)));

        List<TokenBatch> evalBatches = LanguageModelBatches.sequential(validation, spec.batchSize(), m.context(), spec.evalBatches());
        try (Backend backend = Backends.create(spec.backend(), spec.threads())) {
            Optimizer optimizer = Optimizers.create(spec.optimizer(), model.parameters());
            Trainer trainer = new Trainer(model, backend, optimizer,
                    Optimizers.schedule(spec.schedule(), spec.optimizer().lr(), spec.steps()),
                    new LanguageModelBatches(train, spec.batchSize(), m.context(), spec.seed()),
                    new Evaluator(evalBatches, false),
                    new Trainer.Settings(spec.steps(), spec.evalEvery(), spec.checkpointEvery(), 2,
                            spec.optimizer().maxGradNorm(), Path.of(spec.output()), resume, true), log);
            Trainer.Result result = trainer.run();
            double validationLoss = ((Number) result.evaluations().getLast().get("eval_loss")).doubleValue();
            return new Report(tokenizer.vocabularySize(), train.length, validation.length, parameters, trainable, sparseIndices,
                    optimizer.stateBytes(), validationLoss, Math.exp(validationLoss),
                    UnigramBaseline.crossEntropy(train, validation, tokenizer.vocabularySize()),
                    result.secondsPerStep(), result.tokensPerSecond(), result.peakHeapBytes(), result.evaluations());
        }
    }

    private static String join(List<Speech> speeches) {
        return speeches.stream().map(Speech::text).collect(Collectors.joining("\n\n"));
    }

    /** The report as an ordered map (for JSON and printing). */
    public static Map<String, Object> asMap(Report r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("validation_loss", r.validationLoss());
        out.put("validation_perplexity", r.perplexity());
        out.put("unigram_loss", r.unigramLoss());
        out.put("unigram_perplexity", Math.exp(r.unigramLoss()));
        out.put("parameters", r.parameters());
        out.put("trainable_parameters", r.trainableParameters());
        out.put("sparse_indices", r.sparseIndices());
        out.put("optimizer_state_bytes", r.optimizerStateBytes());
        out.put("vocabulary_size", r.vocabularySize());
        out.put("train_tokens", r.trainTokens());
        out.put("validation_tokens", r.validationTokens());
        out.put("seconds_per_step", r.secondsPerStep());
        out.put("tokens_per_second", r.tokensPerSecond());
        out.put("peak_heap_bytes", r.peakHeapBytes());
        return out;
    }
}
