package org.peft4j.train;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.tensor.Tensor;

/**
 * Metrics on held-out batches: mean loss always, accuracy for classification ({@code argmax(logits) == label}).
 */
public final class Evaluator {
    private final List<TokenBatch> batches;
    private final boolean classification;

    public Evaluator(List<TokenBatch> batches, boolean classification) {
        if (batches.isEmpty()) throw new IllegalArgumentException("no evaluation batches");
        this.batches = List.copyOf(batches);
        this.classification = classification;
    }

    /** {@code {"eval_loss": …, "eval_accuracy": …}} of {@code model} (accuracy only for classification). */
    public Map<String, Double> evaluate(Ops ops, TrainableModel model) {
        return evaluate(ops, new StepPlans(model));
    }

    /** {@code {"eval_loss": …, "eval_accuracy": …}} (accuracy only for classification). */
    Map<String, Double> evaluate(Ops ops, StepPlans plans) {
        double lossSum = 0;
        long weight = 0, correct = 0, labelled = 0;
        for (TokenBatch batch : batches) {
            StepPlans.Recorded run = plans.evaluation(batch);
            run.run(ops, batch);
            int rows = batch.targets().size();
            lossSum += run.loss().at(0) * (double) rows;
            weight += rows;
            if (classification) {
                Tensor logits = run.outputs();
                for (int r = 0; r < batch.batchSize(); r++) {
                    if (argmax(logits, r) == batch.targets().data()[r]) correct++;
                    labelled++;
                }
            }
        }
        double loss = lossSum / weight;
        return classification ? Map.of("eval_loss", loss, "eval_accuracy", (double) correct / labelled) : Map.of("eval_loss", loss);
    }

    static int argmax(Tensor logits, int row) {
        int c = logits.cols(), best = 0;
        for (int j = 1; j < c; j++) if (logits.at(row * c + j) > logits.at(row * c + best)) best = j;
        return best;
    }
}
