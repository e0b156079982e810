package org.peft4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.nn.AdaptableModel;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.optim.RecordedUpdate;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Training-step throughput of whole models at a fixed batch shape: one recorded plan (zero
 * gradients, forward, loss, backward, then the gradient norm and the AdamW update recorded into the
 * plan as the trainer records them; no clipping), prepared on the backend as the trainer prepares
 * its own (replayed on the JVM, resident on a device). Models: a MiniLM-sized BERT classifier and a
 * GPT decoder of the same width, each fully trainable, frozen with LoRA (r 8 on query/value or
 * c_attn), and forward only (no update).
 */
public final class TrainingStepBenchmark {
    private TrainingStepBenchmark() {}

    /** One measured configuration. */
    public record Row(String model, String mode, long trainable, long total, StepTimer.Timing timing, int tokens) {
        public double tokensPerSecond() { return tokens / timing.medianSeconds(); }
    }

    /** The model families {@link #run} measures. */
    public static final List<String> FAMILIES = List.of("encoder", "decoder");

    public static List<Row> run(Backend backend, List<String> families, int batch, int seq, int warmup, int runs) {
        for (String family : families) {
            if (!FAMILIES.contains(family)) throw new IllegalArgumentException("unknown model family '" + family + "' (expected one of " + FAMILIES + ")");
        }
        List<Row> rows = new ArrayList<>();
        for (String family : families) {
            for (String mode : List.of("full", "lora", "forward")) rows.add(measure(backend, family, mode, batch, seq, warmup, runs));
        }
        return rows;
    }

    public static Row measure(Backend backend, String family, String mode, int batch, int seq, int warmup, int runs) {
        try (Step step = prepare(backend, family, mode, batch, seq)) {
            return step.row(StepTimer.time(warmup, runs, step::run));
        }
    }

    /**
     * One configuration's step, {@link Backend#prepare prepared} as the trainer prepares its own
     * (a device backend keeps it resident), taking in only the batch and the dropout seed.
     */
    public static Step prepare(Backend backend, String family, String mode, int batch, int seq) {
        AdaptableModel base = family.equals("encoder")
                ? new SequenceClassifier(new BertEncoder(BertConfig.miniLmL6(), 1), 2, 2)
                : new CausalLanguageModel(new GptDecoder(new GptConfig(5000, seq, 6, 12, 384, 0.1f, true, 1e-5f), 1));
        TrainableModel model = base;
        if (mode.equals("lora")) {
            PeftModel peft = new PeftModel(base);
            peft.addAdapter("default", AdapterConfig.of("lora", 8, 16,
                    TargetModules.of(family.equals("encoder") ? new String[] {"query", "value"} : new String[] {"c_attn"})));
            model = peft;
        }
        TokenBatch tokens = batch(family, batch, seq, base instanceof SequenceClassifier ? 30522 : 5000);
        boolean train = !mode.equals("forward");
        TrainableModel m = model;
        List<Parameter> trainable = m.parameters().stream().filter(Parameter::trainable).toList();
        Optimizer optimizer = train ? new AdamWOptimizer(List.of(new ParameterGroup("all", trainable, 1, 0.01)),
                AdamWOptimizer.Settings.TORCH_DEFAULTS, AdamWKernel.BACKEND_FUSED) : null;
        Tensor[] loss = new Tensor[1];
        RecordedUpdate[] update = new RecordedUpdate[1];
        Plan plan = Plan.record(ops -> {
            for (Parameter p : trainable) if (train) ops.fill(p.grad(), 0f);
            m.forward(ops, tokens, train);
            loss[0] = m.loss(ops, tokens);
            if (train) {
                m.backward(ops, true);
                ops.stage("optimizer");
                update[0] = optimizer.recordUpdate(ops, trainable, 0).orElseThrow();
            }
        });
        List<Object> inputs = new ArrayList<>();
        for (IntTensor t : new IntTensor[] {tokens.ids(), tokens.mask(), tokens.targets()}) if (t != null) inputs.add(t);
        inputs.add(m.dropoutSites().seedAndStep());
        List<Object> outputs = new ArrayList<>(List.of(loss[0]));
        List<Object> state = new ArrayList<>();
        if (train) {
            inputs.addAll(update[0].inputs());
            outputs.add(update[0].norm().total());
            state.addAll(update[0].state());
        }
        long total = m.parameters().stream().mapToLong(p -> p.value().size()).sum();
        long trainCount = train ? trainable.stream().mapToLong(p -> p.value().size()).sum() : 0;
        return new Step(backend.prepare(plan, new PlanIO(inputs, outputs, state)), update[0], family, mode, trainCount, total, batch * seq);
    }

    /** Learning rate of the benchmarked updates (their cost does not depend on it). */
    private static final double LEARNING_RATE = 1e-4;

    /** A prepared step (with its recorded optimizer update, null for forward only): run it, time it, close it. */
    public record Step(PreparedPlan prepared, RecordedUpdate update, String family, String mode, long trainable, long total,
                       int tokens) implements AutoCloseable {
        public void run() {
            if (update != null) update.beforeRun(LEARNING_RATE);
            prepared.run();
        }

        public Row row(StepTimer.Timing timing) { return new Row(family, mode, trainable, total, timing, tokens); }

        @Override
        public void close() { prepared.close(); }
    }

    private static TokenBatch batch(String family, int b, int s, int vocab) {
        SplittableRandom rng = new SplittableRandom(7);
        int[] ids = rng.ints(b * s, 1, vocab).toArray();
        int[] mask = new int[b * s];
        java.util.Arrays.fill(mask, 1);
        int[] shape = {b, s};
        if (family.equals("encoder")) {
            return new TokenBatch(new IntTensor(ids, shape), new IntTensor(mask, shape), null,
                    new IntTensor(rng.ints(b, 0, 2).toArray(), new int[] {b}));
        }
        return new TokenBatch(new IntTensor(ids, shape), null, null, new IntTensor(rng.ints(b * s, 0, vocab).toArray(), shape));
    }
}
