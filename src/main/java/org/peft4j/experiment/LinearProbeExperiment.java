package org.peft4j.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Backends;
import org.peft4j.data.DataDirectory;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.model.PretrainedBert;
import org.peft4j.model.SentenceEncoder;
import org.peft4j.nn.LinearProbe;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.StateDict;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.tensor.Tensor;
import org.peft4j.text.WordPieceTokenizer;
import org.peft4j.train.ClassificationBatches;
import org.peft4j.train.ClassificationBatches.Example;
import org.peft4j.train.Evaluator;
import org.peft4j.train.ProgressReport;
import org.peft4j.train.Trainer;

/**
 * The no-adapter baseline for SpamAssassin: a {@link SequenceClassifier} whose pretrained encoder
 * is frozen, so only the linear head {@code classifier: hidden → 2} trains.
 * <pre>
 *   tokenise train/validation/test (max length L) ─▶ one frozen forward pass: features [N, hidden]
 *   ─▶ AdamW on the head over cached features, epochs × ⌈train/batch⌉ steps, validation each epoch
 *   ─▶ test accuracy; the head is written to OUTPUT/classifier.safetensors
 * </pre>
 */
public final class LinearProbeExperiment {
    private LinearProbeExperiment() {}

    /** What to run; {@code model} null means all-MiniLM-L6-v2, {@code limit} 0 means every example. */
    public record Settings(Path model, int maxLength, int batchSize, int epochs, double lr, double weightDecay, long seed,
                           String backend, int threads, int limit, Path output) {
        public Settings {
            if (maxLength < 2) throw new IllegalArgumentException("max length must be ≥ 2 ([CLS] and [SEP]), got " + maxLength);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
            if (epochs < 1) throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
            if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
            if (limit < 0) throw new IllegalArgumentException("limit must be ≥ 0 (0 = all examples), got " + limit);
        }
    }

    /** The outcome; accuracies in [0, 1], times in seconds. */
    public record Report(String model, String dataset, int trainExamples, int validationExamples, int testExamples,
                         double testAccuracy, double validationAccuracy, double majorityTestAccuracy,
                         List<Double> validationAccuracyPerEpoch, long trainableParameters, long totalParameters,
                         double featureSeconds, double sequencesPerSecond, double trainingSeconds, double totalSeconds) {}

    /** Loads the model ({@code s.model()}) and SpamAssassin, then runs the probe. */
    public static Report run(Settings s, Consumer<String> log) throws IOException {
        long began = System.nanoTime();
        PretrainedBert pretrained = PretrainedBert.loadOrMiniLm(s.model());
        TextClassificationData data = TextClassificationData.spamAssassin(DataDirectory.resolve(),
                pretrained.tokenizer().withMaxLength(s.maxLength()), s.seed(), s.limit());
        return run(s, pretrained, data, began, log);
    }

    /**
     * The probe on already tokenised {@code data} (ids no longer than {@code s.maxLength()});
     * {@code s.model()} and {@code s.limit()} are not consulted, {@code began} is when timing started.
     */
    public static Report run(Settings s, PretrainedBert pretrained, TextClassificationData data, long began, Consumer<String> log)
            throws IOException {
        WordPieceTokenizer tokenizer = pretrained.tokenizer().withMaxLength(s.maxLength());
        List<Example> all = new ArrayList<>(data.train());
        all.addAll(data.validation());
        all.addAll(data.test());
        log.accept(String.format("%s: %d train / %d validation / %d test texts, %.1f tokens on average (max %d)", data.name(),
                data.train().size(), data.validation().size(), data.test().size(),
                all.stream().mapToInt(e -> e.ids().length).average().orElse(0), s.maxLength()));

        SequenceClassifier model = new SequenceClassifier(pretrained.encoder(s.seed(), false), data.classes().size(), s.seed());
        long total = count(model.parameters()), trainable = count(model.parameters().stream().filter(Parameter::trainable).toList());
        log.accept(String.format("model: %s, encoder frozen: %,d trainable of %,d parameters", pretrained.source(), trainable, total));

        try (Backend backend = Backends.create(s.backend(), s.threads())) {
            long featuresBegan = System.nanoTime();
            Tensor features;
            try (ProgressReport progress = ProgressReport.start("features", all.size(), log)) {
                features = new SentenceEncoder(model.encoder(), tokenizer)
                        .meanPooled(backend, all.stream().map(Example::ids).toList(), s.batchSize(), progress::stepTo);
            }
            double featureSeconds = seconds(featuresBegan);
            log.accept(String.format("features: %d texts in %.1f s (%.2f texts/s)", all.size(), featureSeconds, all.size() / featureSeconds));

            LinearProbe probe = LinearProbe.of(model, features, s.seed());
            List<Example> train = rows(data.train(), 0), validation = rows(data.validation(), data.train().size()),
                    test = rows(data.test(), data.train().size() + data.validation().size());
            ClassificationBatches batches = new ClassificationBatches(train, s.batchSize(), 1, 0, s.seed());
            long steps = s.epochs() * batches.batchesPerEpoch();
            var optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(probe.parameters(), s.weightDecay(), false),
                    AdamWOptimizer.Settings.TORCH_DEFAULTS, AdamWKernel.BACKEND_FUSED);
            long trainingBegan = System.nanoTime();
            Trainer.Result result = new Trainer(probe, backend, optimizer, new LearningRateSchedule.LinearWarmupDecay(s.lr(), 0, steps),
                    batches, new Evaluator(ClassificationBatches.inOrder(validation, s.batchSize(), 1, 0), true),
                    new Trainer.Settings(steps, (int) batches.batchesPerEpoch(), 0, 1, 0, s.output(), false, false), log).run();
            double trainingSeconds = seconds(trainingBegan);
            List<Double> perEpoch = result.evaluations().stream().map(e -> ((Number) e.get("eval_accuracy")).doubleValue()).toList();
            for (int epoch = 0; epoch < perEpoch.size(); epoch++) {
                log.accept(String.format("epoch %d: validation accuracy %.4f", epoch + 1, perEpoch.get(epoch)));
            }
            double testAccuracy = new Evaluator(ClassificationBatches.inOrder(test, s.batchSize(), 1, 0), true)
                    .evaluate(backend, probe).get("eval_accuracy");
            Safetensors.write(s.output().resolve("classifier.safetensors"), StateDict.of(probe.parameters()),
                    Map.of("model", pretrained.source(), "max_length", Integer.toString(s.maxLength())), DType.F32);
            return new Report(pretrained.source(), data.name(), train.size(), validation.size(), test.size(), testAccuracy,
                    perEpoch.getLast(), majority(data.train(), data.test(), data.classes().size()), perEpoch, trainable, total,
                    featureSeconds, all.size() / featureSeconds, trainingSeconds, seconds(began));
        }
    }

    /** The report as an ordered map (for JSON and printing). */
    public static Map<String, Object> asMap(Report r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", r.model());
        out.put("dataset", r.dataset());
        out.put("test_accuracy", r.testAccuracy());
        out.put("validation_accuracy", r.validationAccuracy());
        out.put("majority_test_accuracy", r.majorityTestAccuracy());
        out.put("validation_accuracy_per_epoch", r.validationAccuracyPerEpoch());
        out.put("trainable_parameters", r.trainableParameters());
        out.put("total_parameters", r.totalParameters());
        out.put("train_examples", r.trainExamples());
        out.put("validation_examples", r.validationExamples());
        out.put("test_examples", r.testExamples());
        out.put("feature_seconds", r.featureSeconds());
        out.put("sequences_per_second", r.sequencesPerSecond());
        out.put("training_seconds", r.trainingSeconds());
        out.put("total_seconds", r.totalSeconds());
        return out;
    }

    /** Examples whose single id is their row in the feature table ({@code offset + i}). */
    private static List<Example> rows(List<Example> examples, int offset) {
        List<Example> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) out.add(new Example(new int[] {offset + i}, examples.get(i).label()));
        return out;
    }

    /** Test accuracy of always answering the most frequent training class. */
    private static double majority(List<Example> train, List<Example> test, int classes) {
        int[] counts = new int[classes];
        for (Example e : train) counts[e.label()]++;
        int best = 0;
        for (int c = 1; c < classes; c++) if (counts[c] > counts[best]) best = c;
        int label = best;
        return test.stream().filter(e -> e.label() == label).count() / (double) test.size();
    }

    private static long count(List<Parameter> parameters) {
        return parameters.stream().mapToLong(p -> p.value().size()).sum();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
