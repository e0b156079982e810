package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.tensor.Tensor;

/**
 * Next-token language modelling on a GPT-style decoder:
 * {@code loss = mean over t with target ≠ −100 of −log softmax(logits_t)[target_t]}, where the
 * batch's targets are the inputs shifted by one.
 */
public final class CausalLanguageModel implements AdaptableModel {
    private final GptDecoder decoder;
    private final CrossEntropyLoss crossEntropy = new CrossEntropyLoss("lm");
    private Tensor logits;

    public CausalLanguageModel(GptDecoder decoder) {
        this.decoder = decoder;
    }

    public GptDecoder decoder() { return decoder; }

    @Override public List<Parameter> parameters() { return decoder.parameters(); }
    @Override public java.util.Map<String, Linear> linears() { return decoder.linears(); }
    @Override public List<String> headModules() { return List.of("lm_head"); }
    @Override public DropoutSites dropoutSites() { return decoder.dropoutSites(); }

    @Override
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        logits = decoder.forward(ops, batch, training);
        return logits;
    }

    @Override
    public Tensor loss(Ops ops, TokenBatch batch) {
        if (batch.targets() == null || batch.targets().size() != batch.ids().size()) {
            throw new IllegalArgumentException("language-model loss needs next-token targets shaped like the ids, got " + batch.targets());
        }
        return crossEntropy.forward(ops, logits, batch.targets());
    }

    @Override
    public void backward(Ops ops, boolean training) {
        decoder.backward(ops, crossEntropy.gradient(), training);
    }
}
