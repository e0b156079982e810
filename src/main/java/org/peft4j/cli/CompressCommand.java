package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.codebook.AdapterBenchmarks;
import org.peft4j.codebook.AdapterCompression;
import org.peft4j.codebook.CodebookStore;
import org.peft4j.codebook.LoraFile;
import org.peft4j.codebook.BankCompression;
import org.peft4j.codebook.MemoryBank;
import org.peft4j.codebook.QuantizationFormat;
import org.peft4j.data.DataDirectory;
import org.peft4j.experiment.BaseCompression;
import org.peft4j.io.AtomicFiles;
import org.peft4j.model.PretrainedBert;
import org.peft4j.model.SentenceEncoder;
import org.peft4j.train.LossCurvePlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j compress --mode MODE}: codebook compression of a memory bank, of a trained adapter, or of the base weights. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = {"Codebook compression. Modes:",
                "  bank     MiniLM embeddings of SOTU passages and SpamAssassin mails stored as codebook indices: bytes,",
                "           reconstruction error, recall@10 and dead codes for k-means, residual k-means and online VQ",
                "           with and without the dead-code reset (MBC).",
                "  adapter  k-means over the rows of a LoRA's A and the columns of its B, stored as codebook + indices;",
                "           with --adapter DIR stores that PEFT LoRA as codebooks + packed indices in --out (K = first",
                "           --sizes, default 16); without, trains one and tabulates test accuracy against size.",
                "  base     all-MiniLM-L6-v2 with its Linear weights quantized (--format int8: per-row absmax; nf4: QLoRA's",
                "           4-bit NormalFloat, blocks of 64), written as safetensors with the scales; prints bytes, |W − Ŵ| and",
                "           the cosine between fp32 and quantized sentence embeddings of SpamAssassin test mails."})
final class CompressCommand implements Callable<Integer> {
    @Option(names = "--mode", required = true, description = "bank, adapter or base.") String mode;
    @Option(names = "--limit", description = {"bank: documents embedded (half SOTU passages, half mails; ~27/s here, default 1500);",
            "base: SpamAssassin test mails embedded to compare fp32 and quantized embeddings (default 200)."})
    Integer limit;
    @Option(names = "--format", description = "base: int8 or nf4 (default: ${DEFAULT-VALUE}).") String format = "nf4";
    @Option(names = "--sizes", split = ",", description = "Codebook sizes K.") List<Integer> sizes;
    @Option(names = "--queries", description = "bank: held-out query documents for recall@10.") int queries = 200;
    @Option(names = "--epochs", description = "bank: online VQ epochs over the bank.") int epochs = 30;
    @Option(names = "--stages", description = "bank: residual stages of the k-means rows (1 = plain indices).") int stages = 2;
    @Option(names = "--adapter", description = "adapter: a PEFT LoRA directory to compress.") Path adapter;
    @Option(names = {"-o", "--out"}, description = "adapter: where the compressed adapter (or the run) goes.") Path out = Path.of("runs/compress");
    @Option(names = "--steps", description = "adapter: fine-tuning steps of the LoRA trained when no --adapter is given.") long steps = AdapterBenchmarks.Budget.defaults().steps();
    @Option(names = "--subvector", description = "adapter: sub-vector length clustered (0: whole rows of A / columns of B).") int subvector;
    @Option(names = "--markdown", description = "Where to write the results table.") Path markdown;
    @Option(names = "--examples", description = "Fine-tuning: at most this many examples per split part.") int examples = AdapterBenchmarks.Budget.defaults().limit();
    @Option(names = "--max-length", description = "Fine-tuning: tokens per text.") int maxLength = AdapterBenchmarks.Budget.defaults().maxLength();
    @Option(names = "--threads", description = "Worker threads (0: one per core).") int threads;
    @Option(names = "--seed") long seed = 42;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        return switch (mode) {
            case "bank" -> bank();
            case "adapter" -> adapter();
            case "base" -> base();
            default -> throw new IllegalArgumentException("--mode '" + mode + "' is not one of bank, adapter, base");
        };
    }

    private int bank() throws Exception {
        int limit = this.limit == null ? 1500 : this.limit;
        BankCompression.Settings defaults = BankCompression.Settings.defaults();
        BankCompression.Settings s = new BankCompression.Settings(sizes == null ? defaults.codebookSizes() : sizes, stages,
                queries, defaults.recallK(), defaults.kmeansIterations(), epochs, defaults.vqBatch(), seed);
        try (JvmBackend backend = new JvmBackend(threads)) {
            MemoryBank bank = MemoryBank.load(backend, DataDirectory.resolve(), SentenceEncoder.of(PretrainedBert.miniLm()), limit, seed,
                    MemoryBank.defaultCache(), System.err::println);
            List<BankCompression.Row> rows = BankCompression.run(backend, bank.vectors(), s, System.err::println);
            String table = BankCompression.table(rows);
            System.out.print(table);
            Path md = markdown == null ? Path.of("benchmarks/codebook/bank.md") : markdown;
            Map<String, LossCurvePlot.Curve> recall = new LinkedHashMap<>(), dead = new LinkedHashMap<>();
            for (String method : rows.stream().map(BankCompression.Row::label).distinct().toList()) {
                List<BankCompression.Row> mine = rows.stream().filter(r -> r.label().equals(method)).toList();
                recall.put(method, new LossCurvePlot.Curve(mine.stream().map(BankCompression.Row::bytes).toList(),
                        mine.stream().map(BankCompression.Row::recall).toList()));
                dead.put(method, new LossCurvePlot.Curve(mine.stream().map(BankCompression.Row::codes).toList(),
                        mine.stream().map(BankCompression.Row::deadFraction).toList()));
            }
            Path dir = md.toAbsolutePath().getParent();
            LossCurvePlot.write(dir.resolve("bank-recall.png"), "Memory bank: recall@10 vs stored bytes", "bytes", "recall@10", recall);
            LossCurvePlot.write(dir.resolve("bank-dead-codes.png"), "Memory bank: dead codes vs codebook size", "K", "dead fraction", dead);
            String doc = "# Memory-bank compression\n\n" + bank.size() + " all-MiniLM-L6-v2 embeddings (384-d, unit length): "
                    + "SOTU passages and SpamAssassin mails, half each; the last " + s.queries() + " are held-out queries. "
                    + "Original bank: " + String.format("%,d", rows.getFirst().originalBytes()) + " bytes (float32). "
                    + "Online VQ: SGD lr 0.4 over " + s.vqEpochs() + " epochs of batch " + s.vqBatch()
                    + ", usage EMA γ 0.95, dead when usage < 0.1/K.\n\n"
                    + "Command: `scripts/peft4j compress --mode bank --limit " + limit + " --queries " + queries + " --epochs " + epochs + "`\n\n" + table
                    + "\n![recall](bank-recall.png)\n![dead codes](bank-dead-codes.png)\n";
            AtomicFiles.write(md, o -> o.write(doc.getBytes(StandardCharsets.UTF_8)));
            System.out.println("table written to " + md);
        }
        return 0;
    }

    private int adapter() throws Exception {
        return adapter == null ? adapterBenchmark() : compressAdapter();
    }

    /** Stores the LoRA in --adapter as codebooks + packed indices in --out. */
    private int compressAdapter() throws Exception {
        int k = sizes == null ? 16 : sizes.getFirst();
        LoraFile lora = LoraFile.read(adapter);
        try (JvmBackend backend = new JvmBackend(threads)) {
            AdapterCompression.Compressed c = AdapterCompression.compress(backend, lora.modules(), k, subvector, 25, seed);
            CodebookStore.write(out, lora, c);
            System.out.printf("%s: %,d bytes of float32 factors → %,d bytes of codebooks + indices (%.1f×), relative ΔW error %.4f%n",
                    adapter, c.originalBytes(), c.bytes(), (double) c.originalBytes() / c.bytes(), c.deltaError());
            System.out.println("codebook store: " + out.toAbsolutePath());
        }
        return 0;
    }

    private int adapterBenchmark() throws Exception {
        List<Integer> ks = sizes == null ? List.of(4, 16, 64) : sizes;
        List<Integer> pieces = subvector == 0 ? List.of(0, 16) : List.of(subvector);
        AdapterBenchmarks.Budget d = AdapterBenchmarks.Budget.defaults();
        AdapterBenchmarks.Budget budget = new AdapterBenchmarks.Budget(steps, d.batchSize(), d.lr(), maxLength, examples, seed);
        try (JvmBackend backend = new JvmBackend(threads)) {
            List<AdapterBenchmarks.Row> rows = AdapterBenchmarks.compression(backend, PretrainedBert.miniLm(), budget, ks, pieces, out,
                    System.err::println);
            StringBuilder table = new StringBuilder("| adapter | bytes | ratio | rel. ΔW error | test accuracy |\n|---|---:|---:|---:|---:|\n");
            long original = rows.getFirst().bytes();
            for (AdapterBenchmarks.Row r : rows) {
                table.append(String.format("| %s | %s | %s | %.4f | %.4f |%n", r.name(), r.bytes() == 0 ? "0" : String.format("%,d", r.bytes()),
                        r.bytes() == 0 ? "–" : String.format("%.1f×", (double) original / r.bytes()), r.deltaError(), r.accuracies().getFirst()));
            }
            System.out.print(table);
            Path md = markdown == null ? Path.of("benchmarks/codebook/adapter.md") : markdown;
            Map<String, LossCurvePlot.Curve> curves = new LinkedHashMap<>();
            for (int m : pieces) {
                String prefix = m == 0 ? "whole rows" : "sub-vectors of " + m;
                List<AdapterBenchmarks.Row> mine = rows.stream().filter(r -> r.name().startsWith(prefix + ",")).toList();
                curves.put(prefix, new LossCurvePlot.Curve(mine.stream().map(AdapterBenchmarks.Row::bytes).toList(),
                        mine.stream().map(r -> r.accuracies().getFirst()).toList()));
            }
            curves.put("float32 LoRA", new LossCurvePlot.Curve(List.of(original), List.of(rows.getFirst().accuracies().getFirst())));
            LossCurvePlot.write(md.toAbsolutePath().getParent().resolve("adapter-accuracy.png"), "Codebook-compressed LoRA: test accuracy vs bytes",
                    "bytes", "test accuracy", curves);
            String doc = "# Codebook-compressed LoRA\n\nLoRA r 8, α 16 on query and value of all-MiniLM-L6-v2 with a new head, fine-tuned on "
                    + "SpamAssassin for " + budget.steps() + " steps (batch " + budget.batchSize() + ", lr " + budget.lr() + ", " + budget.maxLength()
                    + " tokens, " + budget.limit() + " mails per split part); A rows and B columns of all layers pooled and clustered by k-means "
                    + "(sizes count float32 codebooks plus packed ⌈log₂ K⌉-bit indices; the head is not counted).\n\n"
                    + "Command: `scripts/peft4j compress --mode adapter --steps " + budget.steps() + " --examples " + budget.limit() + " --max-length " + budget.maxLength() + "`\n\n" + table
                    + "\n![accuracy](adapter-accuracy.png)\n";
            AtomicFiles.write(md, o -> o.write(doc.getBytes(StandardCharsets.UTF_8)));
            System.out.println("table written to " + md);
        }
        return 0;
    }

    private int base() throws Exception {
        int limit = this.limit == null ? 200 : this.limit;
        if (limit < 1) throw new IllegalArgumentException("--limit must be ≥ 1, got " + limit);
        BaseCompression.Result r = BaseCompression.run(QuantizationFormat.parse(format), out, limit, threads, seed, System.err::println);
        System.out.println("| format | Linear bytes fp32 | Linear bytes | ratio | file bytes | live heap saved MiB | max |W−Ŵ| | mean |W−Ŵ| | embedding cosine mean | min |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        System.out.println(r.tableRow());
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r.asMap());
        AtomicFiles.write(out.resolve("base-" + r.format() + ".json"), o -> o.write(json));
        System.out.println("quantized base: " + r.file().toAbsolutePath());
        return 0;
    }
}
