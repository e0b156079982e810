package org.peft4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.codebook.AdapterBenchmarks;
import org.peft4j.codebook.LoraFile;
import org.peft4j.codebook.LoraMerge;
import org.peft4j.io.AtomicFiles;
import org.peft4j.model.PretrainedBert;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j merge}: several LoRA adapters into one (linear, cat or LoRA-LEGO). */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge LoRA adapters (PEFT directories) into one LoRA at scaling 1:",
                "  linear  weighted sums of the A's and of the B's (equal ranks)",
                "  cat     the ranks side by side: ΔW = Σ w_i·ΔW_i",
                "  lego    LoRA-LEGO: the rank-wise units of all adapters clustered by k-means into k units",
                "The merged directory takes its non-LoRA tensors (modules_to_save, e.g. a head) from --head-from.",
                "With --benchmark (no --adapters), trains a SpamAssassin and a SOTU-era LoRA and tabulates every method."})
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--method", description = "lego, linear or cat.") String method = "lego";
    @Option(names = "--adapters", split = ",", description = "Adapter directories, comma-separated.") List<Path> adapters;
    @Option(names = {"-o", "--out"}, description = "The merged adapter directory (with --benchmark: the run directory).") Path out;
    @Option(names = "--weights", split = ",", description = "Per-adapter weights (default 1 each).") List<Double> weights;
    @Option(names = "-k", description = "lego: merged rank (default: the first adapter's r).") Integer k;
    @Option(names = "--no-parameter-reweighting", description = "lego: keep the centroids' norms.") boolean noParameterReweighting;
    @Option(names = "--no-output-reweighting", description = "lego: no √(r̄/k) output scale.") boolean noOutputReweighting;
    @Option(names = "--head-from", description = "1-based adapter whose modules_to_save tensors the result keeps (0: none).") int headFrom = 1;
    @Option(names = "--benchmark", description = "Train two task LoRAs and compare every method (table in --markdown).") boolean benchmark;
    @Option(names = "--steps", description = "--benchmark: fine-tuning steps per task.") long steps = AdapterBenchmarks.Budget.defaults().steps();
    @Option(names = "--markdown") Path markdown = Path.of("benchmarks/codebook/merge.md");
    @Option(names = "--examples", description = "Fine-tuning: at most this many examples per split part.") int examples = AdapterBenchmarks.Budget.defaults().limit();
    @Option(names = "--max-length", description = "Fine-tuning: tokens per text.") int maxLength = AdapterBenchmarks.Budget.defaults().maxLength();
    @Option(names = "--threads") int threads;
    @Option(names = "--seed") long seed = 42;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        try (JvmBackend backend = new JvmBackend(threads)) {
            return benchmark ? benchmark(backend) : merge(backend);
        }
    }

    private int merge(JvmBackend backend) throws Exception {
        if (adapters == null || adapters.size() < 2) throw new IllegalArgumentException("--adapters needs ≥ 2 directories");
        if (out == null) throw new IllegalArgumentException("--out is required");
        if (headFrom < 0 || headFrom > adapters.size()) throw new IllegalArgumentException("--head-from must lie in [0, " + adapters.size() + "]");
        List<LoraFile> files = new ArrayList<>();
        for (Path p : adapters) files.add(LoraFile.read(p));
        List<Double> w = weights != null ? weights : Collections.nCopies(files.size(), 1.0);
        LoraMerge.Method m = switch (method) {
            case "linear" -> LoraMerge.Method.LINEAR;
            case "cat" -> LoraMerge.Method.CAT;
            case "lego" -> LoraMerge.Method.LEGO;
            default -> throw new IllegalArgumentException("--method '" + method + "' is not one of lego, linear, cat");
        };
        LoraMerge.Lego lego = new LoraMerge.Lego(k != null ? k : files.getFirst().config().r(), !noParameterReweighting, !noOutputReweighting, 25, seed);
        var merged = LoraMerge.merge(backend, files.stream().map(LoraFile::modules).toList(), w, m, lego);
        int rank = merged.values().iterator().next().rank();
        LoraFile template = files.get(Math.max(0, headFrom - 1));
        template.writeUnitScaled(out, rank, merged, headFrom == 0 ? Map.of() : template.extras());
        System.out.printf("merged %d adapters by %s into rank %d at %s%n", files.size(), method, rank, out.toAbsolutePath());
        return 0;
    }

    private int benchmark(JvmBackend backend) throws Exception {
        AdapterBenchmarks.Budget d = AdapterBenchmarks.Budget.defaults();
        AdapterBenchmarks.Budget budget = new AdapterBenchmarks.Budget(steps, d.batchSize(), d.lr(), maxLength, examples, seed);
        List<AdapterBenchmarks.Row> rows = AdapterBenchmarks.merging(backend, PretrainedBert.miniLm(), budget,
                out != null ? out : Path.of("runs/merge"), System.err::println);
        StringBuilder table = new StringBuilder("| adapter | SpamAssassin accuracy | SOTU era accuracy | mean |\n|---|---:|---:|---:|\n");
        for (AdapterBenchmarks.Row r : rows) {
            List<Double> a = r.accuracies();
            if (a.size() == 1) {
                boolean first = r.name().startsWith("task 1");
                table.append(String.format("| %s | %s | %s | |%n", r.name(), first ? String.format("%.4f", a.getFirst()) : "",
                        first ? "" : String.format("%.4f", a.getFirst())));
            } else {
                table.append(String.format("| %s | %.4f | %.4f | %.4f |%n", r.name(), a.get(0), a.get(1), (a.get(0) + a.get(1)) / 2));
            }
        }
        System.out.print(table);
        String doc = "# Merging two task LoRAs: linear, cat, LoRA-LEGO\n\nTask 1: SpamAssassin ham vs spam; task 2: SOTU passages ("
                + "80+ words) from speeches before 1950 vs from 1950 on (whole speeches split 80/10/10). Each: LoRA r 8, α 16 on query "
                + "and value of all-MiniLM-L6-v2 + new head, " + budget.steps() + " steps of batch " + budget.batchSize() + ", lr "
                + budget.lr() + ", " + budget.maxLength() + " tokens, " + budget.limit() + " examples per split part. The merged LoRA "
                + "is evaluated on each task with that task's own head.\n\nCommand: `scripts/peft4j merge --benchmark --steps " + budget.steps()
                + " --examples " + budget.limit() + " --max-length " + budget.maxLength() + "`\n\n" + table;
        AtomicFiles.write(markdown, o -> o.write(doc.getBytes(StandardCharsets.UTF_8)));
        System.out.println("table written to " + markdown);
        return 0;
    }
}
