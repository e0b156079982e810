package org.peft4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.Tensor;

/**
 * Sentence classification on a BERT-style encoder:
 * <pre>
 *   logits = classifier(dropout(meanPool(encoder(ids), mask)))     loss = CE(logits, labels)
 * </pre>
 * Mean pooling over the attention mask is how sentence-transformers models (all-MiniLM-L6-v2) embed.
 * With a frozen encoder (no trainable parameter, adapters included) backward stops at the head: only
 * the classifier's gradients are computed.
 */
public final class SequenceClassifier implements AdaptableModel {
    private final BertEncoder encoder;
    private final Linear classifier;
    private final Dropout dropout;
    private final Buffers buffers = new Buffers("classifier");
    private final CrossEntropyLoss crossEntropy = new CrossEntropyLoss("classifier");
    private TokenBatch batch;
    private Tensor logits;

    public SequenceClassifier(BertEncoder encoder, int classes, long seed) {
        this.encoder = encoder;
        this.classifier = Linear.normal("classifier", encoder.config().hiddenSize(), classes, 0.02f, true, seed);
        this.dropout = encoder.dropoutSites().create("classifier.dropout", encoder.config().hiddenDropout());
    }

    public BertEncoder encoder() { return encoder; }
    public Linear classifier() { return classifier; }
    public int classes() { return classifier.outFeatures(); }

    @Override public DropoutSites dropoutSites() { return encoder.dropoutSites(); }

    @Override
    public List<Parameter> parameters() {
        return Module.collect(List.of(encoder, classifier));
    }

    @Override public List<String> headModules() { return List.of(classifier.name()); }

    /** Encoder linears plus the head, by module name. */
    @Override
    public Map<String, Linear> linears() {
        Map<String, Linear> all = new LinkedHashMap<>(encoder.linears());
        all.put(classifier.name(), classifier);
        return all;
    }

    /** Mean-pooled sentence embeddings [B, H] of the last forward. */
    public Tensor pooled() { return buffers.get("pooled", batch.batchSize(), encoder.config().hiddenSize()); }

    @Override
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        this.batch = batch;
        Tensor hidden = encoder.forward(ops, batch, training);
        ops.stage("classifier/forward");
        int b = batch.batchSize(), h = encoder.config().hiddenSize();
        Tensor pooled = pooled();
        ops.meanPool(hidden.reshape(b, batch.sequenceLength(), h), batch.mask(), pooled);
        logits = classifier.forward(ops, dropout.forward(ops, pooled, training));
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
        int b = batch.batchSize(), h = encoder.config().hiddenSize();
        Tensor dlogits = crossEntropy.gradient();
        if (!encoder.hasTrainableParameters()) {
            classifier.backward(ops, dlogits, null, false);
            return;
        }
        Tensor dPooled = dropout.backward(ops, classifier.backward(ops, dlogits), training);
        Tensor dHidden = buffers.get("dHidden", b, batch.sequenceLength(), h);
        ops.meanPoolBackward(dPooled, batch.mask(), dHidden);
        encoder.backward(ops, dHidden.reshape(b * batch.sequenceLength(), h), training);
    }
}
