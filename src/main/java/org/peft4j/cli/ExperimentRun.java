package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.Map;
import org.peft4j.experiment.ExperimentSpec;
import org.peft4j.experiment.LanguageModelExperiment;
import org.peft4j.io.AtomicFiles;

/** Runs a spec's task, prints its report and writes {@code summary.json} into the run directory. */
final class ExperimentRun {
    private ExperimentRun() {}

    static int run(ExperimentSpec spec, boolean resume) throws Exception {
        if (!spec.task().equals("causal-lm")) {
            throw new IllegalArgumentException("task '" + spec.task() + "' is not supported by train/pretrain (known: causal-lm)");
        }
        LanguageModelExperiment.Report report = LanguageModelExperiment.run(spec, resume, System.err::println);
        Map<String, Object> summary = LanguageModelExperiment.asMap(report);
        System.out.printf("validation loss %.4f nats/token (perplexity %.2f)%n", report.validationLoss(), report.perplexity());
        System.out.printf("unigram baseline %.4f nats/token (perplexity %.2f)%n", report.unigramLoss(), Math.exp(report.unigramLoss()));
        System.out.printf("%,d parameters (%,d trained), optimizer state %,d bytes, %.3f s/step, %,.0f tokens/s, peak heap %,d MiB%n",
                report.parameters(), report.trainableParameters(), report.optimizerStateBytes(),
                report.secondsPerStep(), report.tokensPerSecond(), report.peakHeapBytes() >> 20);
        Path out = Path.of(spec.output());
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(summary);
        AtomicFiles.write(out.resolve("summary.json"), s -> s.write(json));
        System.out.println("run directory: " + out.toAbsolutePath() + " (metrics.jsonl, loss.png, summary.json, checkpoints/)");
        return 0;
    }
}
