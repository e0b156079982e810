package org.peft4j.nn.bert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Module;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;

/**
 * A BERT-style encoder with Hugging Face parameter names ({@code embeddings.*},
 * {@code encoder.layer.N.*}), e.g. all-MiniLM-L6-v2.
 * <pre>
 *   ids ─▶ embeddings ─▶ layer 0 ─▶ … ─▶ layer L−1 ─▶ hidden [B·S, H]
 * </pre>
 */
public final class BertEncoder implements Module {
    private final BertConfig config;
    private final DropoutSites dropoutSites;
    private final BertEmbeddings embeddings;
    private final List<BertLayer> layers = new ArrayList<>();
    private int batch, seq;

    /** A randomly initialised encoder (N(0, 0.02²) weights, as BERT), trainable or frozen. */
    public static BertEncoder random(BertConfig config, long seed, boolean trainable) {
        BertEncoder encoder = new BertEncoder(config, seed);
        encoder.setTrainable(trainable);
        return encoder;
    }

    /** A randomly initialised, trainable encoder (N(0, 0.02²) weights, as BERT). */
    public BertEncoder(BertConfig config, long seed) {
        this.config = config;
        this.dropoutSites = new DropoutSites(seed);
        this.embeddings = new BertEmbeddings(config, seed, dropoutSites);
        for (int i = 0; i < config.layers(); i++) layers.add(new BertLayer(config, i, seed, dropoutSites));
    }

    /**
     * An encoder of {@code checkpoint.config()} holding its weights, loaded strictly by
     * {@link StateDict#load}: a missing, misshapen or unexpected weight is an error, except the
     * pooler ({@link BertCheckpoint#POOLER_WEIGHTS}), which this encoder does not have.
     * {@code seed} drives dropout; {@code trainable = false} freezes every parameter.
     *
     * @throws org.peft4j.nn.StateDictMismatchException naming every weight that does not fit
     */
    public static BertEncoder pretrained(BertCheckpoint checkpoint, long seed, boolean trainable) {
        BertEncoder encoder = new BertEncoder(checkpoint.config(), seed);
        StateDict.load(encoder.parameters(), checkpoint.encoderWeights(), false);
        encoder.setTrainable(trainable);
        return encoder;
    }

    /** Whether any parameter (adapters included) takes a gradient, i.e. whether backward has work to do. */
    public boolean hasTrainableParameters() {
        return parameters().stream().anyMatch(Parameter::trainable);
    }

    public BertConfig config() { return config; }
    public DropoutSites dropoutSites() { return dropoutSites; }

    @Override
    public List<Parameter> parameters() {
        List<Module> parts = new ArrayList<>();
        parts.add(embeddings);
        parts.addAll(layers);
        return Module.collect(parts);
    }

    /** Every Linear by its module name, in model order (where adapters attach). */
    public Map<String, Linear> linears() {
        Map<String, Linear> byName = new LinkedHashMap<>();
        for (BertLayer layer : layers) for (Linear l : layer.linears()) byName.put(l.name(), l);
        return byName;
    }

    /** Final hidden states [B·S, H]. */
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        this.batch = batch.batchSize();
        this.seq = batch.sequenceLength();
        ops.stage("embeddings/forward");
        Tensor h = embeddings.forward(ops, batch, training);
        for (int i = 0; i < layers.size(); i++) {
            ops.stage("encoder.layer." + i + "/forward");
            h = layers.get(i).forward(ops, h, this.batch, seq, batch.mask(), training);
        }
        return h;
    }

    /**
     * Backpropagates {@code dHidden [B·S, H]} through every layer and, when any embedding
     * parameter trains, the embeddings (otherwise the first layer's input gradient is skipped).
     */
    public void backward(Ops ops, Tensor dHidden, boolean training) {
        boolean embeddingsTrain = embeddings.parameters().stream().anyMatch(Parameter::trainable);
        Tensor d = dHidden;
        for (int i = layers.size() - 1; i >= 0; i--) {
            ops.stage("encoder.layer." + i + "/backward");
            d = layers.get(i).backward(ops, d, training, i > 0 || embeddingsTrain);
        }
        if (embeddingsTrain) {
            ops.stage("embeddings/backward");
            embeddings.backward(ops, d, training);
        }
    }

    public int batchSize() { return batch; }
    public int sequenceLength() { return seq; }
}
