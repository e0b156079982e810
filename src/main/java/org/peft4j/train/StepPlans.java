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
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Recorded plans of a model, one per batch shape: a training plan (zero gradients, forward,
 * loss, backward) and an evaluation plan (forward, loss). Each reads its own staging batch, into
 * which the caller's batch is copied before replay.
 *
 * <p>A training plan runs {@link Backend#prepare prepared}: per step it takes in the batch, the
 * dropout seed, the trainable values (the optimizer updates them on the host) and what step hooks
 * rewrite ({@link StepListener#stepInputs}), and gives back the loss and the gradients, so a device
 * backend keeps the frozen weights and every activation on the device. Evaluation plans replay
 * call by call.
 */
final class StepPlans {
    /** A recorded plan with the batch it reads, the tensors it leaves results in, and what it exchanges with the host. */
    static final class Recorded {
        private final Plan plan;
        private final TokenBatch staging;
        private final Tensor loss, outputs;
        private final PlanIO io;
        private PreparedPlan prepared;
        private Backend preparedFor;

        Recorded(Plan plan, TokenBatch staging, Tensor loss, Tensor outputs, PlanIO io) {
            this.plan = plan;
            this.staging = staging;
            this.loss = loss;
            this.outputs = outputs;
            this.io = io;
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
    private final Map<String, Recorded> training = new HashMap<>(), evaluation = new HashMap<>();

    StepPlans(TrainableModel model) {
        this.model = model;
        this.trainable = model.parameters().stream().filter(Parameter::trainable).toList();
    }

    Recorded training(TokenBatch batch) {
        return training.computeIfAbsent(key(batch), k -> record(batch, true));
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
        Plan plan = Plan.record(ops -> {
            if (train) {
                ops.stage("zero_grad");
                for (Parameter p : trainable) ops.fill(p.grad(), 0f);
            }
            results[1] = model.forward(ops, staging, train);
            ops.stage("loss");
            results[0] = model.loss(ops, staging);
            if (train) model.backward(ops, true);
        });
        return new Recorded(plan, staging, results[0], results[1], train ? trainingIO(staging, results[0]) : null);
    }

    /** In: the batch, the dropout seed, the trainable values. Out: the loss and the gradients. */
    private PlanIO trainingIO(TokenBatch staging, Tensor loss) {
        List<Object> inputs = new ArrayList<>();
        for (IntTensor t : new IntTensor[] {staging.ids(), staging.mask(), staging.typeIds(), staging.targets()}) {
            if (t != null) inputs.add(t);
        }
        inputs.add(model.dropoutSites().seedAndStep());
        if (model instanceof StepListener hooks) inputs.addAll(hooks.stepInputs());
        List<Object> outputs = new ArrayList<>(List.of(loss));
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
