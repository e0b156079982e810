package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.experiment.AdapterPresets;
import org.peft4j.experiment.FinetuneExperiment;
import org.peft4j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft4j finetune}: the main job, all-MiniLM-L6-v2 + an adapter + a new head on SpamAssassin. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune all-MiniLM-L6-v2 with an adapter and a new head on SpamAssassin (the main job).",
                "Default: LoRA r=8, α=16 on query and value. Prints test accuracy before and after, trainable vs total",
                "parameters, step time and peak heap; saves the adapter as a Hugging Face PEFT directory."})
final class FinetuneCommand implements Callable<Integer> {
    private static final FinetuneExperiment.Settings DEFAULTS = FinetuneExperiment.Settings.defaults();

    @Option(names = "--method", description = "Adapter method (lora, dora, vera, ...).") String method = DEFAULTS.method();
    @Option(names = {"-r", "--rank"}) int rank = DEFAULTS.rank();
    @Option(names = "--alpha") float alpha = DEFAULTS.alpha();
    @Option(names = "--targets", split = ",", description = "target_modules, comma-separated.") List<String> targets = DEFAULTS.targets();
    @Option(names = "--preset", description = "A named setup that sets --method and --targets: kv-lora (LoRA on key and value only).") String preset;
    @Option(names = "--steps") long steps = DEFAULTS.steps();
    @Option(names = "--batch-size") int batchSize = DEFAULTS.batchSize();
    @Option(names = "--lr") double lr = DEFAULTS.lr();
    @Option(names = "--seed") long seed = DEFAULTS.seed();
    @Option(names = "--threads", description = "Worker threads (0: one per core).") int threads = DEFAULTS.threads();
    @Option(names = "--backend") String backend = DEFAULTS.backend();
    @Option(names = {"-o", "--output"}) Path output = DEFAULTS.output();
    @Option(names = "--eval-every") int evalEvery = DEFAULTS.evalEvery();
    @Option(names = "--max-length", description = "Tokens per mail ([CLS] and [SEP] included).") int maxLength = DEFAULTS.maxLength();
    @Option(names = "--limit", description = "At most this many mails per split part (0: all).") int limit = DEFAULTS.mailLimit();
    @Option(names = "--optimizer", description = "adamw, lora-pro or allora (LoRA adapters; allora needs --alpha = --rank and --allora-eta).")
    String optimizer = DEFAULTS.optimizer();
    @Option(names = "--allora-eta", description = "ALLoRA's η: gradients of a row θ_i are scaled by 1/√(‖θ_i‖² + 1/η²).")
    double alloraEta = DEFAULTS.alloraEta();
    @Option(names = "--quantize", description = "Quantize the frozen base Linear weights (QLoRA): none, int8 (per row) or nf4 (blocks of 64).")
    String quantize = DEFAULTS.quantize();
    @Option(names = "--resume", description = "Continue the run in --output from its newest intact checkpoint.") boolean resume;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        if (preset != null) {
            AdapterPresets.Preset p = AdapterPresets.get(preset);
            method = p.method();
            targets = p.targets();
        }
        FinetuneExperiment.Settings s = new FinetuneExperiment.Settings(method, rank, alpha, targets, Map.of(), steps, batchSize, lr,
                DEFAULTS.warmupFraction(), seed, threads, backend, output, evalEvery, maxLength, limit, DEFAULTS.validationLimit(),
                optimizer, alloraEta, quantize);
        FinetuneExperiment.Report r = FinetuneExperiment.run(s, resume, System.err::println);
        System.out.printf("test accuracy: %.4f before, %.4f after fine-tuning%n", r.accuracyBefore(), r.accuracyAfter());
        System.out.printf("trainable parameters: %,d of %,d (%.3f%%)%n", r.trainable(), r.total(), 100.0 * r.trainable() / r.total());
        System.out.printf("%.3f s/step, %,.0f tokens/s, peak heap %,d MiB%n", r.secondsPerStep(), r.tokensPerSecond(), r.peakHeapBytes() >> 20);
        if (r.base().containsKey("linear_weight_bytes_fp32")) {
            System.out.printf("base Linear weights (%s): %,d bytes, fp32 %,d bytes%n", r.base().get("format"), r.base().get("linear_weight_bytes"),
                    r.base().get("linear_weight_bytes_fp32"));
        }
        r.accuracyByRank().forEach((rank, accuracy) -> System.out.printf("  evaluated at rank %d: test accuracy %.4f%n", rank, accuracy));
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r.asMap());
        AtomicFiles.write(output.resolve("summary.json"), out -> out.write(json));
        System.out.println("adapter (PEFT format): " + r.adapterDirectory().toAbsolutePath());
        System.out.println("run directory: " + output.toAbsolutePath() + " (metrics.jsonl, loss.png, summary.json, checkpoints/)");
        return 0;
    }
}
