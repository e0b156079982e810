package org.peft4j.backend.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.train.BatchSource;
import org.peft4j.train.Trainer;

/**
 * A LoRA fine-tune step of a small BERT classifier (dropout on) as a resident plan: one task graph
 * per stage, frozen weights copied once. Against the same plan replayed on the JVM backend over
 * four steps with a host AdamW between them (the trainer's arrangement): losses within 1e-4
 * relative, gradients within 2e-3 relative + 1e-5; and from the second step on, the bytes copied
 * in are only the inputs' (batch, seed, trainable values), not the weights'.
 */
class ResidentPlanTest extends BothBackends {
    private static final BertConfig CONFIG = new BertConfig(300, 48, 2, 4, 96, 32, 2, 1e-12f, 0.1f, 0.1f);

    @Test
    void loraStepsRunResidentAndMatchTheJvm() {
        Step onJvm = new Step(jvm), onDevice = new Step(tornado);
        ResidentPlan resident = assertInstanceOf(ResidentPlan.class, onDevice.prepared, onDevice.prepared.description());
        assertEquals(onDevice.plan.stages().size() + " task graphs", resident.description().replaceAll(".*: (\\d+ task graphs).*", "$1"));
        resident.profile(true);
        long weightBytes = 0, inputBytes = 0;
        for (Parameter p : onDevice.model.parameters()) weightBytes += 4L * p.value().size();
        for (Object t : onDevice.io.inputs()) inputBytes += 4L * (t instanceof Tensor x ? x.size() : ((IntTensor) t).size());
        for (int step = 0; step < 4; step++) {
            float expected = onJvm.step(step), actual = onDevice.step(step);
            assertEquals(expected, actual, 1e-4 * Math.abs(expected), "loss of step " + step);
            for (int i = 0; i < onJvm.trainable.size(); i++) {
                assertAllClose(onJvm.trainable.get(i).grad().toArray(), onDevice.trainable.get(i).grad().toArray(), 2e-3, 1e-5,
                        onJvm.trainable.get(i).name() + " gradient at step " + step);
            }
            if (step == 0) {
                assertTrue(resident.bytesIn() > weightBytes, "first run copies the weights in: " + resident.bytesIn());
            } else {
                assertTrue(resident.bytesIn() >= inputBytes && resident.bytesIn() < inputBytes + weightBytes / 10,
                        "run " + step + " copied " + resident.bytesIn() + " bytes in; inputs are " + inputBytes + ", weights " + weightBytes);
            }
        }
        onDevice.prepared.close();
    }

    /**
     * Through the trainer: on TornadoVM the gradient norm, clipping (every step here) and AdamW run
     * in the resident plan, parameters and moments stay on the device and return (TornadoVM's
     * under-demand copies) for the checkpoint at step 3 and at the end; on the JVM the same training
     * updates on the host. Losses within 1e-4 relative over seven steps, trainable values within
     * 1e-3 + 1e-5 at the end, which they reach only by that copy back.
     */
    @Test
    void theTrainerRunsTheOptimizerInTheResidentPlan(@TempDir Path jvmDir, @TempDir Path deviceDir) throws IOException {
        Trained onJvm = train(jvm, jvmDir), onDevice = train(tornado, deviceDir);
        assertTrue(onDevice.log().getFirst().contains("kept there; optimizer update in the plan"), onDevice.log().getFirst());
        assertFalse(onJvm.log().getFirst().contains("optimizer update in the plan"), onJvm.log().getFirst());
        for (int i = 0; i < onJvm.losses().size(); i++) {
            float expected = onJvm.losses().get(i);
            assertEquals(expected, onDevice.losses().get(i), 1e-4 * Math.abs(expected), "loss of step " + i);
        }
        for (int i = 0; i < onJvm.trainable().size(); i++) {
            assertAllClose(onJvm.trainable().get(i).value().toArray(), onDevice.trainable().get(i).value().toArray(), 1e-3, 1e-5,
                    onJvm.trainable().get(i).name());
        }
    }

    private record Trained(List<Float> losses, List<Parameter> trainable, List<String> log) {}

    private static Trained train(Backend backend, Path dir) throws IOException {
        PeftModel model = new PeftModel(new SequenceClassifier(new BertEncoder(CONFIG, 5), 2, 6));
        model.addAdapter("default", AdapterConfig.of("lora", 4, 8, TargetModules.of("query", "value"))
                .withModulesToSave("classifier").withSeed(3));
        Optimizer optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false),
                AdamWOptimizer.Settings.TORCH_DEFAULTS, AdamWKernel.BACKEND_FUSED);
        BatchSource batches = new BatchSource() {
            @Override public TokenBatch batch(long step) {
                TokenBatch b = ResidentPlanTest.batch();
                b.targets().data()[0] = (int) (step % 2);
                return b;
            }

            @Override public long batchesPerEpoch() { return 4; }
        };
        List<String> log = new ArrayList<>();
        Trainer.Result result = new Trainer(model, backend, optimizer, new LearningRateSchedule.Constant(1e-2), batches, null,
                new Trainer.Settings(7, 0, 3, 1, 0.05, dir, false, false), log::add).run();
        return new Trained(result.losses(), model.parameters().stream().filter(Parameter::trainable).toList(), log);
    }

    @Test
    void aPlanWithAnOperationOffTheDeviceIsReplayedAndSaysWhy() {
        Tensor x = Tensor.uniform(1, 1f, 4, 8), gamma = Tensor.uniform(2, 1f, 8), y = Tensor.zeros(4, 8), rstd = Tensor.zeros(4);
        Plan plan = Plan.record(ops -> ops.rmsNorm(x, gamma, 1e-6f, y, rstd));
        PreparedPlan prepared = tornado.prepare(plan, new PlanIO(List.of(x), List.of(y)));
        assertTrue(prepared.description().contains("replayed call by call (no device kernel for rmsNorm)"), prepared.description());
        prepared.run();
        Tensor expected = Tensor.zeros(4, 8);
        jvm.rmsNorm(x, gamma, 1e-6f, expected, Tensor.zeros(4));
        assertAllClose(expected.toArray(), y.toArray(), 1e-6, 1e-6, "replayed rmsNorm");
    }

    /** One model, its recorded step prepared on a backend, and a host AdamW. */
    private static final class Step {
        final PeftModel model = new PeftModel(new SequenceClassifier(new BertEncoder(CONFIG, 5), 2, 6));
        final List<Parameter> trainable;
        final TokenBatch batch = batch();
        final Backend backend;
        final Plan plan;
        final PlanIO io;
        final PreparedPlan prepared;
        final Optimizer optimizer;
        final Tensor[] loss = new Tensor[1];

        Step(Backend backend) {
            this.backend = backend;
            model.addAdapter("default", AdapterConfig.of("lora", 4, 8, TargetModules.of("query", "value"))
                    .withModulesToSave("classifier").withSeed(3));
            trainable = model.parameters().stream().filter(Parameter::trainable).toList();
            for (Parameter p : trainable) if (p.name().contains("lora_B")) p.value().copyFrom(Tensor.uniform(p.name().hashCode(), 0.1f, p.value().shape()));
            plan = Plan.record(ops -> {
                ops.stage("zero_grad");
                for (Parameter p : trainable) ops.fill(p.grad(), 0f);
                model.forward(ops, batch, true);
                ops.stage("loss");
                loss[0] = model.loss(ops, batch);
                model.backward(ops, true);
            });
            List<Object> inputs = new ArrayList<>(List.of(batch.ids(), batch.mask(), batch.targets(), model.dropoutSites().seedAndStep()));
            List<Object> outputs = new ArrayList<>(List.of(loss[0]));
            for (Parameter p : trainable) {
                inputs.add(p.value());
                outputs.add(p.grad());
            }
            io = new PlanIO(inputs, outputs);
            prepared = backend.prepare(plan, io);
            optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
        }

        float step(int step) {
            model.dropoutSites().setStep(step);
            batch.targets().data()[0] = step % 2;
            prepared.run();
            float value = loss[0].at(0);
            optimizer.step(jvm, 1e-2);
            return value;
        }
    }

    /** Three rows of 20 tokens, the last padded after 11. */
    private static TokenBatch batch() {
        int rows = 3, length = 20;
        SplittableRandom rng = new SplittableRandom(9);
        int[] ids = new int[rows * length], mask = new int[rows * length];
        for (int i = 0; i < ids.length; i++) {
            boolean padded = i >= 2 * length + 11;
            ids[i] = padded ? 0 : 1 + rng.nextInt(299);
            mask[i] = padded ? 0 : 1;
        }
        return new TokenBatch(new IntTensor(ids, new int[] {rows, length}), new IntTensor(mask, new int[] {rows, length}),
                null, new IntTensor(new int[] {1, 0, 1}, new int[] {rows}));
    }
}
