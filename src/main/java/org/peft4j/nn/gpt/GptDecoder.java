package org.peft4j.nn.gpt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Embedding;
import org.peft4j.nn.LayerNorm;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Module;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.Dropout;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A GPT-2-style causal decoder with its LM head, Hugging Face names ({@code transformer.wte},
 * {@code transformer.wpe}, {@code transformer.h.N.*}, {@code transformer.ln_f}, {@code lm_head}).
 * <pre>
 *   logits = lm_head(ln_f(h_{L−1}(… h_0(dropout(wte[ids] + wpe[pos])))))     lm_head.weight = wte when tied
 * </pre>
 */
public final class GptDecoder implements Module {
    private final GptConfig config;
    private final DropoutSites dropoutSites;
    private final Embedding wte, wpe;
    private final Dropout embeddingDropout;
    private final List<GptBlock> blocks = new ArrayList<>();
    private final LayerNorm lnF;
    private final Linear lmHead;
    private final Buffers buffers = new Buffers("transformer");
    private IntTensor positions;
    private int batch, seq;

    public GptDecoder(GptConfig config, long seed) {
        this.config = config;
        this.dropoutSites = new DropoutSites(seed);
        int h = config.hiddenSize();
        wte = Embedding.create("transformer.wte", config.vocabSize(), h, 0.02f, seed);
        wpe = Embedding.create("transformer.wpe", config.contextLength(), h, 0.01f, seed);
        embeddingDropout = dropoutSites.create("transformer.drop", config.dropout());
        for (int i = 0; i < config.layers(); i++) blocks.add(new GptBlock(config, i, seed, dropoutSites));
        config.weight().apply(blocks.stream().flatMap(b -> b.linears().stream()).toList(), seed);
        lnF = LayerNorm.create("transformer.ln_f", h, config.layerNormEps());
        lmHead = config.tieWeights()
                ? new Linear("lm_head", new DenseWeight(wte.weight()), null)
                : Linear.normal("lm_head", h, config.vocabSize(), 0.02f, false, seed);
    }

    public GptConfig config() { return config; }
    public DropoutSites dropoutSites() { return dropoutSites; }

    @Override
    public List<Parameter> parameters() {
        List<Module> parts = new ArrayList<>(List.of(wte, wpe));
        parts.addAll(blocks);
        parts.add(lnF);
        parts.add(lmHead);
        return Module.collect(parts);
    }

    /** Every Linear by module name (attention, MLP and the LM head). */
    public Map<String, Linear> linears() {
        Map<String, Linear> byName = new LinkedHashMap<>();
        for (GptBlock b : blocks) for (Linear l : b.linears()) byName.put(l.name(), l);
        byName.put(lmHead.name(), lmHead);
        return byName;
    }

    /** Logits [B·S, vocab]. */
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        this.batch = batch.batchSize();
        this.seq = batch.sequenceLength();
        if (seq > config.contextLength()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds the context length " + config.contextLength());
        }
        preparePositions();
        ops.stage("transformer.embeddings/forward");
        Tensor sum = buffers.get("embedded", this.batch * seq, config.hiddenSize());
        ops.add(wte.forward(ops, batch.ids()), wpe.forward(ops, positions), sum);
        Tensor h = embeddingDropout.forward(ops, sum, training);
        for (int i = 0; i < blocks.size(); i++) {
            ops.stage("transformer.h." + i + "/forward");
            h = blocks.get(i).forward(ops, h, this.batch, seq, training);
        }
        ops.stage("lm_head/forward");
        return lmHead.forward(ops, lnF.forward(ops, h));
    }

    /** Backpropagates {@code dLogits [B·S, vocab]}. */
    public void backward(Ops ops, Tensor dLogits, boolean training) {
        ops.stage("lm_head/backward");
        Tensor d = lnF.backward(ops, lmHead.backward(ops, dLogits));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            ops.stage("transformer.h." + i + "/backward");
            d = blocks.get(i).backward(ops, d, training);
        }
        ops.stage("transformer.embeddings/backward");
        Tensor dEmbedded = embeddingDropout.backward(ops, d, training);
        wte.backward(ops, dEmbedded);
        wpe.backward(ops, dEmbedded);
    }

    private void preparePositions() {
        if (positions != null && positions.dim(0) == batch && positions.dim(1) == seq) return;
        positions = IntTensor.zeros(batch, seq);
        for (int i = 0; i < batch * seq; i++) positions.data()[i] = i % seq;
    }
}
