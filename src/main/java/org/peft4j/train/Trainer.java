package org.peft4j.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.peft4j.backend.Backend;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.optim.GradientClipping;
import org.peft4j.optim.GradientSums;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.RecordedUpdate;

/**
 * The training loop, independent of which method is trained:
 * <pre>
 *   check the run directory (probe write, free space) and the heap ({@link MemoryEstimate})
 *   for step in [start, steps):
 *     replay the recorded plan for this batch shape   (zero grads, forward, loss, backward)
 *     stop on a non-finite loss or gradient           (naming step and parameter)
 *     clip the global gradient norm; optimizer.step(schedule.at(step))
 *     log metrics (JSONL), advance the progress bar; evaluate and checkpoint every N steps
 * </pre>
 * On a backend that {@link Backend#keepsPlansResident keeps plans resident} the clipping and the
 * update are part of the plan where the optimizer can {@link Optimizer#recordUpdate record} them
 * (see {@link StepPlans}); the trainable values come back to the host before evaluations,
 * checkpoints and the end of the run. The update then runs before the host sees the loss: after a
 * {@link TrainingDivergedException} the host holds the values of the last evaluation or checkpoint
 * (those on disk are untouched either way).
 * Batches and dropout masks are pure functions of (seed, step), and a checkpoint holds the
 * parameters, the optimizer state and the step, so {@code resume} continues bit-identically.
 */
public final class Trainer {

    /** How long to train and what to write where. */
    public record Settings(long steps, int evalEvery, int checkpointEvery, int keepCheckpoints,
                           double maxGradNorm, Path outputDir, boolean resume, boolean progress) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
            if (evalEvery < 0 || checkpointEvery < 0) throw new IllegalArgumentException("evalEvery and checkpointEvery must be ≥ 0 (0 = never)");
            if (!(maxGradNorm >= 0 && Double.isFinite(maxGradNorm))) {
                throw new IllegalArgumentException("maxGradNorm must be finite and ≥ 0 (0 = no clipping), got " + maxGradNorm);
            }
        }
    }

    /** What a run did. {@code losses} holds the training loss of every step this run executed. */
    public record Result(long firstStep, long steps, List<Float> losses, List<Map<String, Object>> evaluations,
                         double tokensPerSecond, double secondsPerStep, long peakHeapBytes) {
        public float finalLoss() { return losses.isEmpty() ? Float.NaN : losses.getLast(); }
    }

    private final TrainableModel model;
    private final Backend backend;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final BatchSource batches;
    private final Evaluator evaluator;
    private final Settings settings;
    private final Consumer<String> log;
    private final StepPlans plans;
    private final List<Parameter> trainable;

    public Trainer(TrainableModel model, Backend backend, Optimizer optimizer, LearningRateSchedule schedule,
                   BatchSource batches, Evaluator evaluator, Settings settings, Consumer<String> log) {
        this.model = model;
        this.backend = backend;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.batches = batches;
        this.evaluator = evaluator;
        this.settings = settings;
        this.log = log;
        this.plans = new StepPlans(model, backend.keepsPlansResident() ? optimizer : null, settings.maxGradNorm());
        this.trainable = model.parameters().stream().filter(Parameter::trainable).toList();
        if (trainable.isEmpty()) throw new IllegalArgumentException("the model has no trainable parameters");
    }

    public Result run() throws IOException {
        Path out = settings.outputDir();
        RunDirectory.requireWritable(out, settings.checkpointEvery() > 0
                ? (settings.keepCheckpoints() + 1) * RunDirectory.checkpointBytes(trainable, optimizer) : 0);
        TokenBatch first = batches.batch(0);
        MemoryEstimate.of(model, optimizer, first).requireFits(Runtime.getRuntime().maxMemory(),
                first.ids().shape()[0] + "×" + first.ids().shape()[1]);
        Checkpoints checkpoints = new Checkpoints(out.resolve("checkpoints"), settings.keepCheckpoints(), log);
        long start = startStep(checkpoints);
        List<Float> losses = new ArrayList<>();
        List<Map<String, Object>> evaluations = new ArrayList<>();
        long tokens = 0;
        long began = System.nanoTime();
        try (MetricsLog metrics = new MetricsLog(out.resolve("metrics.jsonl")); ProgressBar bar = progressBar(start)) {
            for (long step = start; step < settings.steps(); step++) {
                TokenBatch batch = batches.batch(step);
                model.dropoutSites().setStep(step);
                if (model instanceof StepListener l) l.beforeStep(step);
                boolean wasInPlan = plans.updatesInPlan();
                StepPlans.Recorded run = plans.training(batch);
                RecordedUpdate update = run.update();
                if (wasInPlan && update == null && step > start) {
                    log.accept("step " + (step + 1) + " brings a second batch shape: the optimizer update runs on the host from here on");
                }
                double lr = schedule.at(optimizer.steps());
                if (update != null) update.beforeRun(lr);
                run.run(backend, batch);
                if (step == start) {
                    log.accept("training step on " + backend.name() + ": " + run.description()
                            + (update != null ? "; optimizer update in the plan" : ""));
                }
                float loss = run.loss().at(0);
                double gradNorm = checkFinite(step, loss, update != null ? update.norm().read() : GradientClipping.sums(backend, trainable));
                if (update == null) {
                    if (settings.maxGradNorm() > 0) GradientClipping.clip(backend, trainable, gradNorm, settings.maxGradNorm());
                    optimizer.step(backend, lr);
                } else if (!Float.isFinite(update.norm().total().at(0))) {
                    throw new TrainingDivergedException(step + 1, "gradient norm " + gradNorm + " overflows float32 when squared on the device");
                }
                if (model instanceof StepListener l) l.afterOptimizerStep(step, lr);
                tokens += batch.ids().size();
                losses.add(loss);
                double elapsed = (System.nanoTime() - began) / 1e9;
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("step", step + 1);
                record.put("loss", loss);
                record.put("lr", lr);
                record.put("grad_norm", gradNorm);
                record.put("tokens_per_s", tokens / elapsed);
                if (settings.evalEvery() > 0 && evaluator != null
                        && ((step + 1) % settings.evalEvery() == 0 || step + 1 == settings.steps())) {
                    plans.pullState();
                    Map<String, Object> eval = new LinkedHashMap<>();
                    eval.put("step", step + 1);
                    eval.putAll(evaluator.evaluate(backend, plans));
                    evaluations.add(eval);
                    record.putAll(eval);
                }
                metrics.write(record);
                if (bar != null) {
                    bar.stepTo(step + 1);
                    bar.setExtraMessage(String.format(" loss %.4f  %.0f tok/s", loss, tokens / elapsed));
                }
                if (settings.checkpointEvery() > 0 && ((step + 1) % settings.checkpointEvery() == 0 || step + 1 == settings.steps())) {
                    plans.pullState();
                    checkpoints.save(step + 1, trainable, optimizer, Map.of());
                }
            }
            plans.pullState();
        } finally {
            plans.releasePrepared();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        long executed = settings.steps() - start;
        Result result = new Result(start, settings.steps(), losses, evaluations, executed == 0 ? 0 : tokens / seconds,
                executed == 0 ? 0 : seconds / executed, peakHeapBytes());
        writePlot(result);
        return result;
    }

    /** Metrics of {@code evaluator} on the current weights, through this trainer's recorded plans. */
    public Map<String, Double> evaluate(Evaluator evaluator) {
        return evaluator.evaluate(backend, plans);
    }

    private long startStep(Checkpoints checkpoints) throws IOException {
        if (!settings.resume()) {
            if (!checkpoints.list().isEmpty()) {
                throw new IllegalArgumentException("output directory " + settings.outputDir() + " already holds checkpoints: "
                        + "pass --resume to continue that run, or choose another output directory");
            }
            return 0;
        }
        Optional<Checkpoints.Restored> restored = checkpoints.restoreLatest(trainable, optimizer);
        if (restored.isEmpty()) {
            log.accept("no usable checkpoint in " + checkpoints.directory() + ": starting from step 0");
            return 0;
        }
        log.accept("resumed from " + restored.get().file().getFileName() + " at step " + restored.get().step());
        return restored.get().step();
    }

    /** Global gradient norm, or a {@link TrainingDivergedException} naming what went non-finite. */
    private static double checkFinite(long step, float loss, GradientSums gradients) {
        if (!Float.isFinite(loss)) {
            throw new TrainingDivergedException(step + 1, "loss is " + loss
                    + gradients.firstNonFinite().map(n -> "; first non-finite gradient: " + n).orElse(""));
        }
        double norm = gradients.norm();
        if (!Double.isFinite(norm)) {
            throw new TrainingDivergedException(step + 1, "gradient norm is " + norm + "; first non-finite gradient: "
                    + gradients.firstNonFinite().orElse("?"));
        }
        return norm;
    }

    /** A redrawn bar on a terminal; one line every 15 s in logs (CI, redirected output). */
    private ProgressBar progressBar(long start) {
        if (!settings.progress()) return null;
        ProgressBarBuilder bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(settings.steps())
                .startsFrom(start, Duration.ZERO).setStyle(ProgressBarStyle.ASCII);
        boolean terminal = System.console() != null && System.console().isTerminal();
        return terminal
                ? bar.setUpdateIntervalMillis(500).continuousUpdate().build()
                : bar.setUpdateIntervalMillis(15_000).setConsumer(new DelegatingProgressBarConsumer(System.err::println)).build();
    }

    private void writePlot(Result result) throws IOException {
        List<Long> steps = new ArrayList<>();
        for (long s = result.firstStep() + 1; s <= result.steps(); s++) steps.add(s);
        Map<String, LossCurvePlot.Curve> curves = new LinkedHashMap<>();
        LossCurvePlot.Curve train = new LossCurvePlot.Curve(steps, result.losses());
        curves.put("train loss", train);
        curves.put("train loss (EMA 0.95)", train.smoothed(0.95));
        curves.put("eval loss", new LossCurvePlot.Curve(
                result.evaluations().stream().map(e -> (Number) e.get("step")).toList(),
                result.evaluations().stream().map(e -> (Number) e.get("eval_loss")).toList()));
        LossCurvePlot.write(settings.outputDir().resolve("loss.png"), "training loss", "step", "cross-entropy", curves);
    }

    /** Sum of the heap pools' peak usage since the JVM started. */
    public static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        }
        return peak;
    }
}
