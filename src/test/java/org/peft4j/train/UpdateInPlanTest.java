package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.tensor.Tensor;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWKernel;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;

/**
 * On a backend that keeps plans resident, the trainer records the gradient norm, clipping and
 * AdamW into the training plan. Here the JVM backend plays such a backend (it claims residency and
 * replays, keeping the plan's state apart from the host between runs), so the recorded arrangement
 * is checked against the host one: same losses, evaluations and weights up to float rounding (the
 * norm is summed in float on the device, in double on the host), across a change of batch shape
 * (which moves the update to the host), and resumed from a checkpoint it wrote.
 */
class UpdateInPlanTest {
    private static final double MAX_NORM = 0.05; // small enough that every step clips

    private record Run(Trainer.Result result, List<Parameter> weights, List<String> log) {}

    /** Evaluations every 5 steps, checkpoints every 10. */
    private static Run train(boolean inPlan, Path out, long steps, boolean resume, boolean twoShapes) throws IOException {
        return train(inPlan, out, steps, resume, twoShapes, 5, 10);
    }

    private static Run train(boolean inPlan, Path out, long steps, boolean resume, boolean twoShapes, int evalEvery, int checkpointEvery)
            throws IOException {
        try (JvmBackend jvm = new JvmBackend(1)) {
            Backend backend = inPlan ? claimingResidency(jvm) : jvm;
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(TrainerTest.CONFIG, 11));
            AdamWOptimizer optimizer = new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false),
                    AdamWOptimizer.Settings.TORCH_DEFAULTS, AdamWKernel.BACKEND_FUSED);
            int[] tokens = TrainerTest.corpus(4000);
            LanguageModelBatches longer = new LanguageModelBatches(tokens, 4, 12, 5), shorter = new LanguageModelBatches(tokens, 4, 8, 5);
            BatchSource batches = !twoShapes ? longer : new BatchSource() {
                @Override public TokenBatch batch(long step) { return (step % 3 == 2 ? shorter : longer).batch(step); }
                @Override public long batchesPerEpoch() { return longer.batchesPerEpoch(); }
            };
            List<String> log = new ArrayList<>();
            Trainer trainer = new Trainer(model, backend, optimizer, new LearningRateSchedule.WarmupCosine(1e-2, 3, 20, 0.1), batches,
                    new Evaluator(LanguageModelBatches.sequential(tokens, 4, 12, 3), false),
                    new Trainer.Settings(steps, evalEvery, checkpointEvery, 2, MAX_NORM, out, resume, false), log::add);
            return new Run(trainer.run(), model.parameters(), log);
        }
    }

    /** The JVM backend, claiming to keep plans resident, and preparing plans that act so ({@link SimulatedResidency}). */
    private static Backend claimingResidency(JvmBackend jvm) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            if (method.getName().equals("keepsPlansResident")) return true;
            if (method.getName().equals("prepare")) return new SimulatedResidency((Plan) args[0], (PlanIO) args[1], jvm);
            try {
                return method.invoke(jvm, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /**
     * A replayed plan whose state behaves as on a device: taken from the host at the first run only,
     * kept apart between runs (the host's copy is NaN meanwhile), and back on the host only by
     * {@link #pullState}. A trainer that read state without pulling it would see NaN.
     */
    private static final class SimulatedResidency implements PreparedPlan {
        private final PreparedPlan replay;
        private final List<Tensor> state = new ArrayList<>();
        private List<float[]> device;

        SimulatedResidency(Plan plan, PlanIO io, JvmBackend jvm) {
            this.replay = PreparedPlan.replay(plan, jvm, "");
            for (Object t : io.state()) state.add((Tensor) t);
        }

        @Override
        public void run() {
            if (device == null) device = state.stream().map(Tensor::toArray).toList();
            for (int i = 0; i < state.size(); i++) state.get(i).copyFrom(Tensor.of(device.get(i), state.get(i).shape()));
            replay.run();
            device = state.stream().map(Tensor::toArray).toList();
            for (Tensor t : state) t.fill(Float.NaN);
        }

        @Override
        public void pullState() {
            if (device == null) return;
            for (int i = 0; i < state.size(); i++) state.get(i).copyFrom(Tensor.of(device.get(i), state.get(i).shape()));
        }

        @Override
        public String description() { return "replayed with its state kept apart"; }
    }

    private static void assertSameTraining(Run host, Run plan) {
        assertAllClose(toArray(host.result().losses()), toArray(plan.result().losses()), 1e-4, 1e-6, "losses");
        for (int i = 0; i < host.result().evaluations().size(); i++) {
            assertEquals((double) host.result().evaluations().get(i).get("eval_loss"), (double) plan.result().evaluations().get(i).get("eval_loss"),
                    1e-4, "evaluation " + i);
        }
        for (int i = 0; i < host.weights().size(); i++) {
            assertAllClose(host.weights().get(i).value().toArray(), plan.weights().get(i).value().toArray(), 1e-3, 1e-5,
                    host.weights().get(i).name());
        }
    }

    @Test
    void recordedUpdateTrainsAsTheHostUpdate(@TempDir Path a, @TempDir Path b) throws IOException {
        Run host = train(false, a, 20, false, false), plan = train(true, b, 20, false, false);
        assertTrue(plan.log().getFirst().endsWith("; optimizer update in the plan"), plan.log().getFirst());
        assertFalse(host.log().getFirst().contains("optimizer update in the plan"), host.log().getFirst());
        assertSameTraining(host, plan);
        assertTrue(plan.result().finalLoss() < plan.result().losses().getFirst() * 0.8, "it learns: " + plan.result().losses());
    }

    @Test
    void aSecondBatchShapeMovesTheUpdateToTheHostWithTheWeights(@TempDir Path a, @TempDir Path b) throws IOException {
        Run plan = train(true, b, 20, false, true);
        assertTrue(plan.log().contains("step 3 brings a second batch shape: the optimizer update runs on the host from here on"),
                String.join("\n", plan.log()));
        assertSameTraining(train(false, a, 20, false, true), plan);
    }

    /** Without evaluations, only the checkpoint's own pull brings the state back before it is saved (step 10). */
    @Test
    void resumesFromTheCheckpointItWrote(@TempDir Path straight, @TempDir Path split) throws IOException {
        List<Float> reference = train(true, straight, 20, false, false, 0, 10).result().losses();
        List<Float> joined = new ArrayList<>(train(true, split, 10, false, false, 0, 10).result().losses());
        joined.addAll(train(true, split, 20, true, false, 0, 10).result().losses());
        assertEquals(reference, joined);
    }

    @Test
    void theWeightsComeBackAtTheEndWithoutEvaluationsOrCheckpoints(@TempDir Path a, @TempDir Path b) throws IOException {
        assertSameTraining(train(false, a, 12, false, false, 0, 0), train(true, b, 12, false, false, 0, 0));
    }

    private static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
