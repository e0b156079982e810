package org.peft4j.codebook;

import java.io.IOException;
import java.nio.file.Path;
import org.peft4j.backend.Ops;
import org.peft4j.experiment.TextClassificationData;
import org.peft4j.model.PretrainedBert;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.train.ClassificationBatches;
import org.peft4j.train.Evaluator;

/**
 * Test accuracy of saved LoRA adapters (with their classifier head in modules_to_save) on one
 * classification task: one MiniLM classifier, into which each adapter directory is loaded in
 * turn as adapter {@value #NAME}.
 */
public final class TaskEvaluation {
    static final String NAME = "evaluated";
    private final PeftModel model;
    private final Evaluator test;
    private final TextClassificationData data;

    public TaskEvaluation(PretrainedBert bert, TextClassificationData data, long seed) {
        this.data = data;
        this.model = new PeftModel(new SequenceClassifier(bert.encoder(seed, false), data.classes().size(), seed));
        this.test = new Evaluator(ClassificationBatches.inOrder(data.test(), 16, 32, bert.tokenizer().padId()), true);
    }

    public TextClassificationData data() { return data; }

    /** Test accuracy with the adapter in {@code dir}. */
    public double accuracy(Ops ops, Path dir) throws IOException {
        if (model.adapters().containsKey(NAME)) model.deleteAdapter(NAME);
        PeftAdapterFormat.load(dir, model, NAME);
        model.setActiveAdapter(NAME);
        return test.evaluate(ops, model).get("eval_accuracy");
    }
}
