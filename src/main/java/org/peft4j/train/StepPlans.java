package org.peft4j.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Backend;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.RecordedUpdate;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Recorded plans of a model, one per batch shape: a training plan (zero gradients, forward,
 * loss, backward) and an evaluation plan (forward, loss). Each reads its own staging batch, into
 * which the caller's batch is copied before replay.
 *
 * <p>A training plan runs {@link Backend#prepare prepared}, in one of two arrangements:
 * <pre>
 *   update on the host:  in   batch, dropout seed, step-hook inputs, trainable values
 *                        out  loss, gradients            (the optimizer then steps on the host)
 *   update in the plan:  ... backward, gradient norm², optimizer update ({@link Optimizer#recordUpdate})
 *                        in   batch, dropout seed, step-hook inputs, the step's hyper-parameters
 *                        out  loss, each gradient's sum of squares
 *                        state (read back on request) trainable values, optimizer moments
 * </pre>
 * so that a device backend keeps the frozen weights and every activation on the device, and in
 * the second arrangement (chosen where the backend {@link Backend#keepsPlansResident keeps plans
 * resident}) the trainable values and the optimizer state too. The latest values then live in the
 * plan run last, and only one plan can hold them: when a second batch shape comes, they move to the
 * host and the update stays there from then on ({@link #training}). Evaluation plans replay call by
 * call.
 */
final class StepPlans {
    /** A recorded plan with the batch it reads, the tensors it leaves results in, and what it exchanges with the host. */
    static final class Recorded {
        private final Plan plan;
        private final TokenBatch staging;
        private final Tensor loss, outputs;
        private final PlanIO io;
        private final RecordedUpdate update;
        private PreparedPlan prepared;
        private Backend preparedFor;

        Recorded(Plan plan, TokenBatch staging, Tensor loss, Tensor outputs, PlanIO io, RecordedUpdate update) {
            this.plan = plan;
            this.staging = staging;
            this.loss = loss;
            this.outputs = outputs;
            this.io = io;
            this.update = update;
        }

        /** The optimizer step recorded into this plan; null where the optimizer steps on the host. */
        RecordedUpdate update() { return update; }

        /** Brings the {@link PlanIO#state state} (trainable values, moments) of the last run to the host. */
        void pullState() {
            if (prepared != null) prepared.pullState();
        }

        /** Copies {@code batch} into the staging arrays and runs the plan on {@code ops} (prepared for it when it is a backend). */
        void run(Ops ops, TokenBatch batch) {
            staging.copyFrom(batch);
            if (io == null || !(ops instanceof Backend backend)) {
                plan.run(ops);
                return;
            }
            if (preparedFor != backend) {
                release();
                prepared = backend.prepare(plan, io);
                preparedFor = backend;
            }
            prepared.run();
        }

        /** Frees what the backend holds for this plan (device memory); the next run prepares it again. */
        void release() {
            if (prepared != null) prepared.close();
            prepared = null;
            preparedFor = null;
        }

        /** How the last backend runs this plan (see {@link PreparedPlan#description}). */
        String description() {
            return prepared == null ? "replayed call by call" : prepared.description();
        }

        Tensor loss() { return loss; }

        Tensor outputs() { return outputs; }
    }

    private final TrainableModel model;
    private final List<Parameter> trainable;
    private final Optimizer optimizer;
    private final double maxGradNorm;
    private boolean updatesInPlan;
    private final Map<String, Recorded> training = new HashMap<>(), evaluation = new HashMap<>();
    private Recorded lastTraining;

    /** Plans for evaluation only. */
    StepPlans(TrainableModel model) {
        this(model, null, 0);
    }

    /**
     * Plans whose training plan records {@code optimizer}'s update and the clipping to
     * {@code maxGradNorm} (≤ 0: none) when {@code optimizer} is not null and can be recorded.
     */
    StepPlans(TrainableModel model, Optimizer optimizer, double maxGradNorm) {
        this.model = model;
        this.trainable = model.parameters().stream().filter(Parameter::trainable).toList();
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
        this.updatesInPlan = optimizer != null && !(model instanceof StepListener hooks && hooks.touchesTrainableValues());
    }

    /**
     * The training plan for {@code batch}'s shape. The first time a second shape comes, the state of
     * the plan run last is pulled to the host and every plan from then on keeps the update on the
     * host ({@link #updatesInPlan} turns false): each shape's plan is then prepared once, where
     * moving the state between plans would prepare (on a device: compile) one again at every change.
     */
    Recorded training(TokenBatch batch) {
        String key = key(batch);
        if (updatesInPlan && lastTraining != null && !training.containsKey(key)) {
            lastTraining.pullState();
            releasePrepared();
            training.clear();
            updatesInPlan = false;
        }
        Recorded next = training.computeIfAbsent(key, k -> record(batch, true));
        if (next.update() == null) updatesInPlan = false;   // the optimizer can't be recorded
        lastTraining = next;
        return next;
    }

    /** Whether training plans recorded from now on carry the optimizer update (see {@link #training}). */
    boolean updatesInPlan() { return updatesInPlan; }

    /** Brings the trainable values and optimizer state to the host where the last training plan kept them on a device. */
    void pullState() {
        if (lastTraining != null) lastTraining.pullState();
    }

    /** Releases the prepared training plans (device memory); they are prepared again if run again. */
    void releasePrepared() {
        training.values().forEach(Recorded::release);
    }

    Recorded evaluation(TokenBatch batch) {
        return evaluation.computeIfAbsent(key(batch), k -> record(batch, false));
    }

    private Recorded record(TokenBatch like, boolean train) {
        TokenBatch staging = like.emptyLike();
        Tensor[] results = new Tensor[2];
        RecordedUpdate[] update = new RecordedUpdate[1];
        Plan plan = Plan.record(ops -> {
            if (train) {
                ops.stage("zero_grad");
                for (Parameter p : trainable) ops.fill(p.grad(), 0f);
            }
            results[1] = model.forward(ops, staging, train);
            ops.stage("loss");
            results[0] = model.loss(ops, staging);
            if (train) model.backward(ops, true);
            if (train && updatesInPlan) {
                ops.stage("optimizer");
                update[0] = optimizer.recordUpdate(ops, trainable, maxGradNorm).orElse(null);
            }
        });
        return new Recorded(plan, staging, results[0], results[1], train ? trainingIO(staging, results[0], update[0]) : null, update[0]);
    }

    /** The plan's exchange with the host in either arrangement (see the class comment). */
    private PlanIO trainingIO(TokenBatch staging, Tensor loss, RecordedUpdate update) {
        List<Object> inputs = new ArrayList<>();
        for (IntTensor t : new IntTensor[] {staging.ids(), staging.mask(), staging.typeIds(), staging.targets()}) {
            if (t != null) inputs.add(t);
        }
        inputs.add(model.dropoutSites().seedAndStep());
        if (model instanceof StepListener hooks) inputs.addAll(hooks.stepInputs());
        List<Object> outputs = new ArrayList<>(List.of(loss));
        if (update != null) {
            inputs.addAll(update.inputs());
            outputs.addAll(update.norm().sums());
            outputs.add(update.norm().total());
            return new PlanIO(inputs, outputs, new ArrayList<>(update.state()));
        }
        for (Parameter p : trainable) {
            inputs.add(p.value());
            outputs.add(p.grad());
        }
        return new PlanIO(inputs, outputs);
    }

    private static String key(TokenBatch b) {
        return java.util.Arrays.toString(b.ids().shape()) + (b.mask() == null ? "" : "m") + (b.typeIds() == null ? "" : "t")
                + (b.targets() == null ? "" : java.util.Arrays.toString(b.targets().shape()));
    }
}
