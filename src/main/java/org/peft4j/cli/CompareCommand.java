package org.peft4j.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.experiment.FinetuneExperiment;
import org.peft4j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j compare}: several adapter methods on the main fine-tuning task with one budget, as one table. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare adapter methods on the fine-tuning task with one budget, as one table.",
                "Each method fine-tunes all-MiniLM-L6-v2 on SpamAssassin (same rank, targets, steps, data and seed); the table",
                "(trainable parameters, test accuracy, step time, peak heap) is also written as Markdown."})
final class CompareCommand implements Callable<Integer> {
    private static final FinetuneExperiment.Settings DEFAULTS = FinetuneExperiment.Settings.defaults();

    @Option(names = "--methods", split = ",", description = "Methods to compare.")
    List<String> methods = List.of("lora", "dora", "vera", "nola", "randlora", "dylora", "sora", "lora-sb", "loldu", "svfit", "salt", "hydra");
    @Option(names = "--steps") long steps = 150;
    @Option(names = {"-r", "--rank"}) int rank = DEFAULTS.rank();
    @Option(names = "--lr") double lr = DEFAULTS.lr();
    @Option(names = "--limit", description = "At most this many mails per split part (0: all).") int limit = 0;
    @Option(names = "--threads") int threads = 0;
    @Option(names = {"-o", "--output"}) Path output = Path.of("runs/compare");
    @Option(names = "--markdown", description = "Where to write the table.") Path markdown = Path.of("benchmarks/methods.md");
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        List<FinetuneExperiment.Report> reports = new ArrayList<>();
        for (String method : methods) {
            System.gc();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            FinetuneExperiment.Settings s = new FinetuneExperiment.Settings(method, rank, DEFAULTS.alpha(), DEFAULTS.targets(), Map.of(),
                    steps, DEFAULTS.batchSize(), lr, DEFAULTS.warmupFraction(), DEFAULTS.seed(), threads, DEFAULTS.backend(),
                    output.resolve(method), (int) steps, DEFAULTS.maxLength(), limit, DEFAULTS.validationLimit(),
                    DEFAULTS.optimizer(), DEFAULTS.alloraEta(), DEFAULTS.quantize());
            System.err.println("== " + method);
            reports.add(FinetuneExperiment.run(s, false, System.err::println));
        }
        String table = table(reports);
        System.out.print(table);
        String doc = "# Adapter methods on SpamAssassin\n\nall-MiniLM-L6-v2, targets " + DEFAULTS.targets() + ", r = " + rank
                + ", α = " + DEFAULTS.alpha() + " where the method uses them, new two-class head trained alongside, " + steps
                + " steps of batch " + DEFAULTS.batchSize() + ", AdamW lr " + lr + " with linear warmup/decay, seed " + DEFAULTS.seed()
                + ", max 128 tokens; test accuracy on the held-out test split (before: random head).\n\nCommand: `scripts/peft4j compare"
                + " --steps " + steps + (limit > 0 ? " --limit " + limit : "") + "`\n\n" + table;
        AtomicFiles.write(markdown, out -> out.write(doc.getBytes(StandardCharsets.UTF_8)));
        System.out.println("table written to " + markdown);
        return 0;
    }

    static String table(List<FinetuneExperiment.Report> reports) {
        StringBuilder sb = new StringBuilder("| method | trainable params | test accuracy (before → after) | s/step | peak heap MiB |\n|---|---:|---|---:|---:|\n");
        for (FinetuneExperiment.Report r : reports) {
            sb.append(String.format("| %s | %,d | %.4f → %.4f | %.3f | %,d |%n", r.method(), r.trainable(), r.accuracyBefore(),
                    r.accuracyAfter(), r.secondsPerStep(), r.peakHeapBytes() >> 20));
        }
        return sb.toString();
    }
}
