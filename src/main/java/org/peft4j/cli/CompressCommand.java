package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peft4j.codebook.QuantizationFormat;
import org.peft4j.experiment.BaseCompression;
import org.peft4j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j compress --mode base --format int8|nf4}: all-MiniLM-L6-v2 with quantized Linear weights, as safetensors. */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = {"Compression. Modes:",
                "  base  all-MiniLM-L6-v2 with its Linear weights quantized (--format int8: per-row absmax; nf4: QLoRA's",
                "        4-bit NormalFloat, blocks of 64), written as safetensors with the scales; prints bytes, |W − Ŵ| and",
                "        the cosine between fp32 and quantized sentence embeddings of SpamAssassin test mails."})
final class CompressCommand implements Callable<Integer> {
    @Option(names = "--mode", required = true, description = "base.") String mode;
    @Option(names = "--format", description = "base: int8 or nf4.") String format = "nf4";
    @Option(names = "--limit", description = "base: test mails embedded to compare fp32 and quantized embeddings.") int limit = 200;
    @Option(names = {"-o", "--out"}, description = "Output directory.") Path out = Path.of("runs/compress");
    @Option(names = "--threads", description = "Worker threads (0: one per core).") int threads;
    @Option(names = "--seed") long seed = 42;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        return switch (mode) {
            case "base" -> base();
            default -> throw new IllegalArgumentException("--mode '" + mode + "' is not one of base");
        };
    }

    private int base() throws Exception {
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
