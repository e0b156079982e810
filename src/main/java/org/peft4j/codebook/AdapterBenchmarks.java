package org.peft4j.codebook;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.peft4j.backend.Ops;
import org.peft4j.data.DataDirectory;
import org.peft4j.experiment.FinetuneExperiment;
import org.peft4j.experiment.TextClassificationData;
import org.peft4j.model.PretrainedBert;

/**
 * The adapter experiments, each on LoRAs trained here with the fine-tuning pipeline and a short
 * budget (LoRA r 8, α 16 on query and value, new head, {@link Budget}):
 * <pre>
 *   compression  one SpamAssassin LoRA; test accuracy and bytes of codebook-compressed copies
 *   merging      a SpamAssassin LoRA and a SOTU-era LoRA (passages before vs from 1950), merged by
 *                linear, cat and LoRA-LEGO; each task evaluated with its own head
 * </pre>
 */
public final class AdapterBenchmarks {
    private AdapterBenchmarks() {}

    /** Fine-tuning budget: steps, batch, learning rate, tokens per text, examples per split part. */
    public record Budget(long steps, int batchSize, double lr, int maxLength, int limit, long seed) {
        public static Budget defaults() {
            return new Budget(80, 8, 2e-3, 64, 150, 42);
        }
    }

    /** One evaluated adapter: what it is, its stored bytes (0 = not measured) and test accuracy per task. */
    public record Row(String name, long bytes, double deltaError, List<Double> accuracies) {}

    public static TextClassificationData spam(PretrainedBert bert, Budget b) {
        return TextClassificationData.spamAssassin(DataDirectory.resolve(), bert.tokenizer().withMaxLength(b.maxLength()), b.seed(), b.limit());
    }

    public static TextClassificationData sotuEras(PretrainedBert bert, Budget b) {
        return TextClassificationData.sotuEras(DataDirectory.resolve(), bert.tokenizer().withMaxLength(b.maxLength()), 1950,
                MemoryBank.PASSAGE_WORDS, b.seed(), b.limit());
    }

    /** Trains a LoRA on {@code data} under {@code dir}; the report names its PEFT directory and test accuracy. */
    public static FinetuneExperiment.Report train(PretrainedBert bert, TextClassificationData data, Budget b, List<String> targets, Path dir,
                                                  Consumer<String> log) throws IOException {
        FinetuneExperiment.Settings d = FinetuneExperiment.Settings.defaults();
        FinetuneExperiment.Settings s = new FinetuneExperiment.Settings("lora", d.rank(), d.alpha(), targets, Map.of(), b.steps(),
                b.batchSize(), b.lr(), d.warmupFraction(), b.seed(), d.threads(), d.backend(), dir, (int) b.steps(), b.maxLength(), b.limit(), 32, d.optimizer(), d.alloraEta(), d.quantize());
        FinetuneExperiment.Report r = FinetuneExperiment.run(s, bert, data, false, log);
        log.accept(String.format("%s LoRA: test accuracy %.4f → %.4f", data.name(), r.accuracyBefore(), r.accuracyAfter()));
        return r;
    }

    /** The benchmarks train into {@code out}; a folder left by an earlier run is refused before anything loads. */
    static void requireFresh(Path out) throws IOException {
        if (java.nio.file.Files.isDirectory(out)) {
            try (var entries = java.nio.file.Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("output folder " + out + " already holds a run; choose another -o or remove it");
                }
            }
        }
    }

    /** The same modules with A = B = 0: the head alone decides. */
    static Map<String, LoraFile.Factors> zeroed(Map<String, LoraFile.Factors> modules) {
        Map<String, LoraFile.Factors> out = new java.util.LinkedHashMap<>();
        modules.forEach((m, f) -> out.put(m, new LoraFile.Factors(org.peft4j.tensor.Tensor.zeros(f.a().shape()),
                org.peft4j.tensor.Tensor.zeros(f.b().shape()), f.scaling())));
        return out;
    }

    /** The compression table: the original LoRA, then each (sub-vector length, K) pair. */
    public static List<Row> compression(Ops ops, PretrainedBert bert, Budget b, List<Integer> sizes, List<Integer> subvectors, Path out,
                                        Consumer<String> log) throws IOException {
        requireFresh(out);
        TextClassificationData data = spam(bert, b);
        FinetuneExperiment.Report trained = train(bert, data, b, List.of("query", "value"), out.resolve("lora"), log);
        TaskEvaluation eval = new TaskEvaluation(bert, data, b.seed());
        LoraFile lora = LoraFile.read(trained.adapterDirectory());
        long original = lora.modules().values().stream().mapToLong(f -> 4L * (f.a().size() + f.b().size())).sum();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("float32 LoRA", original, 0, List.of(trained.accuracyAfter())));
        log.accept("original: " + original + " bytes, accuracy " + rows.getLast().accuracies());
        Path headOnly = out.resolve("head-only");
        lora.writeSameConfig(headOnly, zeroed(lora.modules()));
        rows.add(new Row("head only (ΔW = 0)", 0, 1, List.of(eval.accuracy(ops, headOnly))));
        for (int m : subvectors) {
            for (int k : sizes) {
                AdapterCompression.Compressed c = AdapterCompression.compress(ops, lora.modules(), k, m, 25, b.seed());
                Path dir = out.resolve("compressed-m" + m + "-k" + k);
                CodebookStore.write(out.resolve("store-m" + m + "-k" + k), lora, c);
                lora.writeSameConfig(dir, c.modules());
                rows.add(new Row((m == 0 ? "whole rows" : "sub-vectors of " + m) + ", K = " + k, c.bytes(), c.deltaError(),
                        List.of(eval.accuracy(ops, dir))));
                log.accept(rows.getLast().toString());
            }
        }
        return rows;
    }

    /** The merging table: each task's own LoRA, then linear, cat and LoRA-LEGO merges, evaluated on both tasks. */
    public static List<Row> merging(Ops ops, PretrainedBert bert, Budget b, Path out, Consumer<String> log) throws IOException {
        requireFresh(out);
        List<TextClassificationData> tasks = List.of(spam(bert, b), sotuEras(bert, b));
        List<FinetuneExperiment.Report> trained = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            trained.add(train(bert, tasks.get(t), b, List.of("query", "value"), out.resolve("task" + t), log));
        }
        List<TaskEvaluation> evals = tasks.stream().map(d -> new TaskEvaluation(bert, d, b.seed())).toList();
        List<LoraFile> files = new ArrayList<>();
        for (FinetuneExperiment.Report r : trained) files.add(LoraFile.read(r.adapterDirectory()));
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            Path headOnly = out.resolve("head-only-task" + t);
            files.get(t).writeSameConfig(headOnly, zeroed(files.get(t).modules()));
            rows.add(new Row("task " + (t + 1) + " head only (ΔW = 0)", 0, 0, List.of(evals.get(t).accuracy(ops, headOnly))));
            rows.add(new Row("task " + (t + 1) + " LoRA alone", 0, 0, List.of(trained.get(t).accuracyAfter())));
        }
        int r = files.getFirst().config().r();
        record Variant(String name, LoraMerge.Method method, List<Double> weights, LoraMerge.Lego lego) {}
        List<Variant> variants = List.of(
                new Variant("linear (w = ½, averaging)", LoraMerge.Method.LINEAR, List.of(0.5, 0.5), null),
                new Variant("cat (w = 1, rank " + 2 * r + ")", LoraMerge.Method.CAT, List.of(1.0, 1.0), null),
                new Variant("lego k = " + r + ", no reweighting", LoraMerge.Method.LEGO, List.of(1.0, 1.0), new LoraMerge.Lego(r, false, false, 25, b.seed())),
                new Variant("lego k = " + r + ", both reweightings", LoraMerge.Method.LEGO, List.of(1.0, 1.0), new LoraMerge.Lego(r, true, true, 25, b.seed())),
                new Variant("lego k = " + 2 * r + ", both reweightings", LoraMerge.Method.LEGO, List.of(1.0, 1.0), new LoraMerge.Lego(2 * r, true, true, 25, b.seed())));
        for (Variant v : variants) {
            var merged = LoraMerge.merge(ops, files.stream().map(LoraFile::modules).toList(), v.weights(), v.method(), v.lego());
            int rank = merged.values().iterator().next().rank();
            List<Double> accuracy = new ArrayList<>();
            for (int t = 0; t < tasks.size(); t++) {
                Path dir = out.resolve("merged").resolve(v.method().name().toLowerCase() + "-" + rows.size() + "-task" + t);
                files.get(t).writeUnitScaled(dir, rank, merged, files.get(t).extras());
                accuracy.add(evals.get(t).accuracy(ops, dir));
            }
            rows.add(new Row(v.name(), 0, 0, accuracy));
            log.accept(rows.getLast().toString());
        }
        return rows;
    }
}
