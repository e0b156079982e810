package org.peft4j.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Backends;
import org.peft4j.codebook.QuantizationFormat;
import org.peft4j.codebook.QuantizedBase;
import org.peft4j.data.DataDirectory;
import org.peft4j.model.PretrainedBert;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.AdapterMethods;
import org.peft4j.peft.DyLora;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.peft.format.SaveOptions;
import org.peft4j.train.ClassificationBatches;
import org.peft4j.train.Evaluator;
import org.peft4j.train.LossCurvePlot;
import org.peft4j.train.Trainer;

/**
 * Fine-tunes all-MiniLM-L6-v2 with an adapter and a new two-class head on SpamAssassin (ham vs
 * spam): test accuracy before and after, trainable vs total parameters, step time, peak heap;
 * the adapter is saved as a PEFT directory next to metrics, loss plot and summary.
 */
public final class FinetuneExperiment {
    private FinetuneExperiment() {}

    /** Training batches a data-dependent initialisation (LoRA-SB) may look at. */
    static final int INIT_BATCHES = 8;

    /**
     * Everything a fine-tuning run is parameterised by (defaults: {@link #defaults()}); {@code optimizer} is one of
     * {@link Optimizers#FINETUNING} and {@code alloraEta} ALLoRA's η (used by {@code allora} only).
     */
    public record Settings(String method, int rank, float alpha, List<String> targets, Map<String, Object> options,
                           long steps, int batchSize, double lr, double warmupFraction, long seed, int threads,
                           String backend, Path output, int evalEvery, int maxLength, int mailLimit, int validationLimit,
                           String optimizer, double alloraEta, String quantize) {
        /** {@code quantize}: "none", or a {@link QuantizationFormat} for the frozen base Linear weights (QLoRA). */
        public static Settings defaults() {
            return new Settings("lora", 8, 16f, List.of("query", "value"), Map.of(), 300, 8, 1e-3, 0.06, 42, 0, "auto",
                    Path.of("runs/finetune"), 100, 128, 0, 200, "adamw", 0, "none");
        }

        public Settings withMethod(String m, Path out) {
            return new Settings(m, rank, alpha, targets, options, steps, batchSize, lr, warmupFraction, seed, threads, backend,
                    out, evalEvery, maxLength, mailLimit, validationLimit, optimizer, alloraEta, quantize);
        }

        /** The base's quantization format, or null for an fp32 base. */
        QuantizationFormat quantizationFormat() {
            return quantize.equalsIgnoreCase("none") ? null : QuantizationFormat.parse(quantize);
        }
    }

    /** What the run measured. */
    public record Report(String method, double accuracyBefore, double accuracyAfter, long trainable, long total,
                         double secondsPerStep, double tokensPerSecond, long peakHeapBytes, Path adapterDirectory,
                         Map<Integer, Double> accuracyByRank, Map<String, Object> base) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", method);
            m.put("test_accuracy_before", accuracyBefore);
            m.put("test_accuracy_after", accuracyAfter);
            m.put("trainable_parameters", trainable);
            m.put("total_parameters", total);
            m.put("seconds_per_step", secondsPerStep);
            m.put("tokens_per_second", tokensPerSecond);
            m.put("peak_heap_bytes", peakHeapBytes);
            m.put("adapter_directory", adapterDirectory.toString());
            if (!accuracyByRank.isEmpty()) m.put("test_accuracy_by_eval_rank", accuracyByRank);
            m.put("base", base);
            return m;
        }
    }

    public static Report run(Settings s, boolean resume, Consumer<String> log) throws IOException {
        AdapterMethods.get(s.method()); // an unknown method, optimizer or format fails here, before the model and the data load
        Optimizers.requireFinetuning(s.optimizer());
        s.quantizationFormat();
        PretrainedBert bert = PretrainedBert.miniLm();
        TextClassificationData data = TextClassificationData.spamAssassin(DataDirectory.resolve(),
                bert.tokenizer().withMaxLength(s.maxLength()), s.seed(), s.mailLimit());
        return run(s, bert, data, resume, log);
    }

    /** The same run on another classification task, tokenised for {@code bert} with at most {@code s.maxLength()} tokens. */
    public static Report run(Settings s, PretrainedBert bert, TextClassificationData data, boolean resume, Consumer<String> log)
            throws IOException {
        AdapterMethods.get(s.method());
        QuantizationFormat format = s.quantizationFormat();
        log.accept(String.format("%s: %d train / %d validation / %d test examples, max %d tokens", data.name(),
                data.train().size(), data.validation().size(), data.test().size(), s.maxLength()));
        SequenceClassifier classifier = new SequenceClassifier(bert.encoder(s.seed(), false), data.classes().size(), s.seed());
        PeftModel model = new PeftModel(classifier);
        AdapterConfig config = AdapterConfig.of(s.method(), s.rank(), s.alpha(), TargetModules.of(s.targets().toArray(String[]::new)))
                .withModulesToSave("classifier").withSeed(s.seed());
        for (Map.Entry<String, Object> o : s.options().entrySet()) config = config.withOption(o.getKey(), o.getValue());
        PeftModel.AdapterSet adapter = model.addAdapter("default", config);
        long total = model.totalParameterCount();
        log.accept(String.format("%s (r %d, α %s) on %s + new head: %,d trainable of %,d parameters", s.method(), s.rank(),
                s.alpha(), s.targets(), model.trainableParameterCount(), total));
        Map<String, Object> base = baseWeights(model, format, log);

        int pad = bert.tokenizer().padId();
        Evaluator test = new Evaluator(ClassificationBatches.inOrder(data.test(), 16, 32, pad), true);
        List<ClassificationBatches.Example> validation = data.validation().subList(0, Math.min(s.validationLimit(), data.validation().size()));
        long warmup = Math.round(s.steps() * s.warmupFraction());
        try (Backend backend = Backends.create(s.backend(), s.threads())) {
            Trainer trainer = new Trainer(model, backend,
                    Optimizers.forFinetuning(s.optimizer(), ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false),
                            adapter, s.alloraEta()),
                    new LearningRateSchedule.LinearWarmupDecay(s.lr(), warmup, s.steps()),
                    new ClassificationBatches(data.train(), s.batchSize(), 32, pad, s.seed()),
                    new Evaluator(ClassificationBatches.inOrder(validation, 16, 32, pad), true),
                    new Trainer.Settings(s.steps(), s.evalEvery(), s.evalEvery(), 2, 1.0, s.output(), resume, true), log);
            double before = trainer.evaluate(test).get("eval_accuracy");
            ClassificationBatches sample = new ClassificationBatches(data.train(), s.batchSize(), 32, pad, s.seed() + 1);
            adapter.method().initializeFromData(backend, model, "default",
                    java.util.stream.LongStream.range(0, INIT_BATCHES).mapToObj(sample::batch).toList(), s.lr());
            log.accept(String.format("test accuracy before fine-tuning: %.4f", before));
            Trainer.Result result = trainer.run();
            double after = trainer.evaluate(test).get("eval_accuracy");
            Map<Integer, Double> byRank = adapter.method() instanceof DyLora ? accuracyByRank(trainer, test, adapter, s) : Map.of();
            if (format != null) base.putAll(mergeCost(backend, model, ClassificationBatches.inOrder(data.test(), 16, 32, pad), s.quantize(), log));
            Path adapterDir = s.output().resolve("adapter");
            PeftAdapterFormat.save(adapterDir, model, "default", SaveOptions.featureExtraction("sentence-transformers/all-MiniLM-L6-v2"));
            return new Report(s.method(), before, after, model.trainableParameterCount(), total,
                    result.secondsPerStep(), result.tokensPerSecond(), result.peakHeapBytes(), adapterDir, byRank, base);
        }
    }

    /**
     * Quantizes the frozen base Linear weights when {@code format} is set (QLoRA: the adapter trains
     * in fp32 on top) and reports their bytes: fp32 before, packed codes plus scales after.
     */
    private static Map<String, Object> baseWeights(PeftModel model, QuantizationFormat format, Consumer<String> log) {
        Map<String, Object> base = new LinkedHashMap<>();
        if (format == null) {
            long bytes = model.linears().values().stream().filter(l -> l.weight().parameters().stream().noneMatch(Parameter::trainable))
                    .mapToLong(l -> 4L * l.inFeatures() * l.outFeatures()).sum();
            base.put("format", "fp32");
            base.put("linear_weight_bytes", bytes);
            return base;
        }
        QuantizedBase.Summary q = QuantizedBase.quantize(model.linears(), format);
        log.accept(String.format("base quantized to %s: %d Linear weights, %,d → %,d bytes (%.2f×)", lowerName(format), q.layers(),
                q.denseBytes(), q.quantizedBytes(), q.compression()));
        base.put("format", lowerName(format));
        base.put("linear_weight_bytes_fp32", q.denseBytes());
        base.put("linear_weight_bytes", q.quantizedBytes());
        return base;
    }

    /** {@link QuantizedMergeCheck} on the test set, logged; nothing for a method that does not merge. */
    private static Map<String, Object> mergeCost(Backend backend, PeftModel model, List<org.peft4j.nn.TokenBatch> test, String format,
                                                 Consumer<String> log) {
        try {
            QuantizedMergeCheck merge = QuantizedMergeCheck.measure(backend, model, test);
            log.accept(String.format("merging into the %s base would round weights by max %.3g, mean %.3g (ΔW: max %.3g, mean %.3g);"
                            + " merged and re-quantized: logits change by max %.3g, mean %.3g, test accuracy %.4f → %.4f",
                    format, merge.maxWeightError(), merge.meanWeightError(), merge.maxDelta(), merge.meanDelta(),
                    merge.maxLogitChange(), merge.meanLogitChange(), merge.accuracySeparate(), merge.accuracyMerged()));
            return merge.asMap();
        } catch (UnsupportedOperationException e) {
            log.accept("no merge check: " + e.getMessage());
            return Map.of();
        }
    }

    private static String lowerName(QuantizationFormat format) {
        return format.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * DyLoRA's promise: one training run, evaluation at every rank b ≤ r without retraining.
     * Returns test accuracy per rank, plots it to {@code accuracy_by_rank.png} and leaves the
     * adapter at its full rank.
     */
    private static Map<Integer, Double> accuracyByRank(Trainer trainer, Evaluator test, PeftModel.AdapterSet adapter, Settings s)
            throws IOException {
        Map<Integer, Double> byRank = new java.util.TreeMap<>();
        for (int rank = 1; rank <= s.rank(); rank++) {
            DyLora.setEvalRank(adapter, rank);
            byRank.put(rank, trainer.evaluate(test).get("eval_accuracy"));
        }
        DyLora.setEvalRank(adapter, s.rank());
        LossCurvePlot.write(s.output().resolve("accuracy_by_rank.png"), "DyLoRA: test accuracy at each evaluation rank", "rank",
                "test accuracy", Map.of("test accuracy", new LossCurvePlot.Curve(List.copyOf(byRank.keySet()), List.copyOf(byRank.values()))));
        return byRank;
    }
}
