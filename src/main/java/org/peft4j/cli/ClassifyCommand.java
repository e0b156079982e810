package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peft4j.experiment.LinearProbeExperiment;
import org.peft4j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft4j classify}: the frozen-encoder linear probe on SpamAssassin. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify SpamAssassin mails as ham or spam with a frozen pretrained encoder and a trained linear head",
                "(a linear probe: features are computed once, then only the head trains). Reports test accuracy, trainable",
                "versus total parameters and time; writes metrics.jsonl, loss.png, classifier.safetensors and summary.json."})
final class ClassifyCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per mail, [CLS] and [SEP] included (default: ${DEFAULT-VALUE}).") int maxLength;
    @Option(names = "--batch-size", defaultValue = "16", description = "Mails per forward pass and per head step (default: ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--epochs", defaultValue = "10", description = "Passes of head training over the train split (default: ${DEFAULT-VALUE}).") int epochs;
    @Option(names = "--lr", defaultValue = "1e-2", description = "Peak AdamW learning rate, decayed linearly to 0 (default: ${DEFAULT-VALUE}).") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay of the head's weight (default: ${DEFAULT-VALUE}).") double weightDecay;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the split, head initialisation, data order and dropout (default: ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--limit", defaultValue = "0", description = "Use at most N mails of each split, for quick runs (default: all).") int limit;
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0: one per core).") int threads;
    @Option(names = "--backend", defaultValue = "auto", description = "jvm, tornado or auto (default: ${DEFAULT-VALUE}: TornadoVM when launched with it).") String backend;
    @Option(names = {"-o", "--output"}, defaultValue = "runs/linear-probe", description = "Run directory (default: ${DEFAULT-VALUE}).") Path output;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        var settings = new LinearProbeExperiment.Settings(model.model, maxLength, batchSize, epochs, lr, weightDecay, seed,
                backend, threads, limit, output);
        LinearProbeExperiment.Report r = LinearProbeExperiment.run(settings, System.err::println);
        System.out.printf("test accuracy %.4f (%d mails; majority-class baseline %.4f), validation accuracy %.4f%n",
                r.testAccuracy(), r.testExamples(), r.majorityTestAccuracy(), r.validationAccuracy());
        System.out.printf("trainable parameters %,d of %,d (%.4f%%)%n", r.trainableParameters(), r.totalParameters(),
                100.0 * r.trainableParameters() / r.totalParameters());
        System.out.printf("time: features %.1f s (%.2f mails/s), head training %.1f s, total %.1f s%n",
                r.featureSeconds(), r.sequencesPerSecond(), r.trainingSeconds(), r.totalSeconds());
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(LinearProbeExperiment.asMap(r));
        AtomicFiles.write(output.resolve("summary.json"), s -> s.write(json));
        System.out.println("run directory: " + output.toAbsolutePath() + " (metrics.jsonl, loss.png, classifier.safetensors, summary.json)");
        return 0;
    }
}
