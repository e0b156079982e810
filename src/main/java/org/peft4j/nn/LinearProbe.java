package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * A classifier head trained on cached sentence features (a linear probe):
 * <pre>
 *   logits = classifier(dropout(features[i]))     i = the example indices of a batch, ids [B, 1]
 * </pre>
 * With the {@code classifier} of a {@link SequenceClassifier} over a frozen encoder and
 * {@code features} that encoder's mean-pooled outputs, this computes exactly that model's logits
 * (and head gradients) without running the encoder again at every step. The feature table is
 * data, not a parameter.
 */
public final class LinearProbe implements TrainableModel {
    private final Tensor features;
    private final Linear classifier;
    private final DropoutSites dropoutSites;
    private final Dropout dropout;
    private final Buffers buffers = new Buffers("probe");
    private final CrossEntropyLoss crossEntropy = new CrossEntropyLoss("probe");
    private Tensor logits;

    /** {@code features [N, in]} indexed by batch ids; {@code dropout} as the classifier's (the encoder's hidden dropout). */
    public LinearProbe(Tensor features, Linear classifier, float dropout, long seed) {
        if (features.rank() != 2 || features.dim(1) != classifier.inFeatures()) {
            throw new IllegalArgumentException("features " + features + " must be [examples, " + classifier.inFeatures() + "]");
        }
        this.features = features;
        this.classifier = classifier;
        this.dropoutSites = new DropoutSites(seed);
        this.dropout = dropoutSites.create("classifier.dropout", dropout);
    }

    /** The head of {@code model} on these features, with the model's classifier dropout. */
    public static LinearProbe of(SequenceClassifier model, Tensor features, long seed) {
        return new LinearProbe(features, model.classifier(), model.encoder().config().hiddenDropout(), seed);
    }

    public Linear classifier() { return classifier; }
    public int examples() { return features.dim(0); }

    @Override public DropoutSites dropoutSites() { return dropoutSites; }
    @Override public List<Parameter> parameters() { return classifier.parameters(); }

    @Override
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        if (batch.sequenceLength() != 1) throw new IllegalArgumentException("probe batches hold one example index per row, got " + batch.ids());
        Tensor gathered = buffers.get("features", batch.batchSize(), features.dim(1));
        ops.embeddingGather(features, batch.ids(), gathered);
        logits = classifier.forward(ops, dropout.forward(ops, gathered, training));
        return logits;
    }

    @Override
    public Tensor loss(Ops ops, TokenBatch batch) {
        if (batch.targets() == null) throw new IllegalArgumentException("classification loss needs labels in the batch");
        return crossEntropy.forward(ops, logits, batch.targets());
    }

    @Override
    public void backward(Ops ops, boolean training) {
        ops.stage("classifier/backward");
        classifier.backward(ops, crossEntropy.gradient(), null, false);
    }
}
