package org.peft4j.train;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Plan;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.tensor.Tensor;

/**
 * Recorded plans of a model, one per batch shape: a training plan (zero gradients, forward,
 * loss, backward) and an evaluation plan (forward, loss). Each reads its own staging batch, into
 * which the caller's batch is copied before replay.
 */
final class StepPlans {
    /** A recorded plan with the batch it reads and the tensors it leaves results in. */
    record Recorded(Plan plan, TokenBatch staging, Tensor loss, Tensor outputs) {
        /** Copies {@code batch} into the staging arrays and replays the plan on {@code ops}. */
        void run(Ops ops, TokenBatch batch) {
            staging.copyFrom(batch);
            plan.run(ops);
        }
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
        return new Recorded(plan, staging, results[0], results[1]);
    }

    private static String key(TokenBatch b) {
        return java.util.Arrays.toString(b.ids().shape()) + (b.mask() == null ? "" : "m") + (b.typeIds() == null ? "" : "t")
                + (b.targets() == null ? "" : java.util.Arrays.toString(b.targets().shape()));
    }
}
