package org.peft4j.experiment;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import org.peft4j.io.AtomicFiles;
import org.peft4j.train.LossCurvePlot;

/**
 * Pretrains the same decoder with several {@link PretrainMethod}s, one after another in this
 * process, on the same data, seed and token budget; writes a Markdown table
 * ({@code comparison.md}) and the validation-loss curves ({@code validation-loss.png}) into the
 * run directory after each method, each method's own run in {@code <output>/<method>}. The heap's peak is reset
 * (after a full GC) before each method, so each peak is that method's.
 */
public final class PretrainComparison {
    private PretrainComparison() {}

    /** One method's spec and outcome. */
    public record Row(PretrainMethod method, ExperimentSpec spec, LanguageModelExperiment.Report report) {}

    /** @param specFor a method's spec, given the method and its run directory */
    public static List<Row> run(List<PretrainMethod> methods, Path output, BiFunction<PretrainMethod, Path, ExperimentSpec> specFor,
                                Consumer<String> log) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (PretrainMethod method : methods) {
            ExperimentSpec spec = specFor.apply(method, output.resolve(method.id()));
            log.accept("== " + method.id() + " ==");
            resetPeakHeap();
            rows.add(new Row(method, spec, LanguageModelExperiment.run(spec, false, log)));
            write(rows, output);
        }
        return rows;
    }

    /** Writes the table and plot of the methods finished so far (after each one, so a cut-short run keeps its results). */
    private static void write(List<Row> rows, Path output) throws IOException {
        Files.createDirectories(output);
        String table = table(rows);
        AtomicFiles.write(output.resolve("comparison.md"), s -> s.write(table.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        plot(rows, output.resolve("validation-loss.png"));
    }

    /** The comparison as Markdown: the shared budget, then one row per method. */
    public static String table(List<Row> rows) {
        ExperimentSpec s = rows.getFirst().spec();
        var m = s.model();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Budget: %d steps × batch %d × context %d = %,d training tokens per method, seed %d, "
                        + "%d-layer GPT (hidden %d, %d heads), %s tokens; validation on %d batches every %d steps.%n%n",
                s.steps(), s.batchSize(), m.context(), s.steps() * s.batchSize() * m.context(), s.seed(), m.layers(), m.hidden(),
                m.heads(), s.data().tokenizer(), s.evalBatches(), s.evalEvery()));
        out.append("| method | weights | optimizer | val loss | val ppl | trainable params | stored (params + sparse indices) "
                + "| optimizer state | peak heap | s/step |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            var w = r.spec().model().weight();
            var p = r.report();
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f | %.3f | %,d | %,d + %,d | %,d B | %,d MiB | %.3f |%n",
                    r.method().id(), describe(w), r.spec().optimizer().name(), p.validationLoss(), p.perplexity(),
                    p.trainableParameters(), p.parameters(), p.sparseIndices(), p.optimizerStateBytes(), p.peakHeapBytes() >> 20,
                    p.secondsPerStep()));
        }
        return out.toString();
    }

    private static String describe(org.peft4j.nn.lowrank.WeightSpec w) {
        return switch (w.kind()) {
            case "dense" -> "dense";
            case "lowrank" -> String.format(Locale.ROOT, "B·A, r=%d, α=%s", w.rank(), trim(w.alpha()));
            case "sltrain" -> String.format(Locale.ROOT, "B·A + S, r=%d, α=%s, δ=%s", w.rank(), trim(w.alpha()), trim(w.density()));
            case "lost" -> String.format(Locale.ROOT, "γB·A + (1−γ)S_cols, r=%d, δ=%s, γ=%s", w.rank(), trim(w.density()), trim(w.gamma()));
            default -> w.kind();
        };
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Validation loss against step, one curve per method. */
    public static void plot(List<Row> rows, Path png) throws IOException {
        Map<String, LossCurvePlot.Curve> curves = new LinkedHashMap<>();
        for (Row r : rows) {
            List<Map<String, Object>> evals = r.report().evaluations();
            curves.put(r.method().id(), new LossCurvePlot.Curve(evals.stream().map(e -> (Number) e.get("step")).toList(),
                    evals.stream().map(e -> (Number) e.get("eval_loss")).toList()));
        }
        LossCurvePlot.write(png, "SOTU pretraining: validation loss", "step", "cross-entropy (nats/token)", curves);
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
        }
    }
}
