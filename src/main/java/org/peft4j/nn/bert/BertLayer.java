package org.peft4j.nn.bert;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Activation;
import org.peft4j.nn.AttentionCore;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Dropout;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.LayerNorm;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Module;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * One post-LayerNorm BERT layer ({@code encoder.layer.N}):
 * <pre>
 *   a  = attention.output.dense(MHA(query(x), key(x), value(x)))
 *   h1 = attention.output.LayerNorm(x + dropout(a))
 *   h2 = output.LayerNorm(h1 + dropout(output.dense(GELU(intermediate.dense(h1)))))
 * </pre>
 */
final class BertLayer implements Module {
    final Linear query, key, value, attentionOutput, intermediate, output;
    private final LayerNorm attentionNorm, outputNorm;
    private final AttentionCore attention;
    private final Dropout attentionDropout, outputDropout;
    private final Buffers buffers;
    private Tensor preActivation;
    private int batch, seq;

    BertLayer(BertConfig c, int index, long seed, DropoutSites sites) {
        String p = "encoder.layer." + index + ".";
        int h = c.hiddenSize();
        query = Linear.normal(p + "attention.self.query", h, h, 0.02f, true, seed);
        key = Linear.normal(p + "attention.self.key", h, h, 0.02f, true, seed);
        value = Linear.normal(p + "attention.self.value", h, h, 0.02f, true, seed);
        attention = new AttentionCore(p + "attention.self", c.heads(), c.headDim(), false,
                sites.create(p + "attention.self.dropout", c.attentionDropout()));
        attentionOutput = Linear.normal(p + "attention.output.dense", h, h, 0.02f, true, seed);
        attentionNorm = LayerNorm.create(p + "attention.output.LayerNorm", h, c.layerNormEps());
        attentionDropout = sites.create(p + "attention.output.dropout", c.hiddenDropout());
        intermediate = Linear.normal(p + "intermediate.dense", h, c.intermediateSize(), 0.02f, true, seed);
        output = Linear.normal(p + "output.dense", c.intermediateSize(), h, 0.02f, true, seed);
        outputNorm = LayerNorm.create(p + "output.LayerNorm", h, c.layerNormEps());
        outputDropout = sites.create(p + "output.dropout", c.hiddenDropout());
        buffers = new Buffers(p.substring(0, p.length() - 1));
    }

    List<Linear> linears() {
        return List.of(query, key, value, attentionOutput, intermediate, output);
    }

    @Override
    public List<Parameter> parameters() {
        return Module.collect(List.of(query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm));
    }

    /** x [B·S, H] → [B·S, H]. */
    Tensor forward(Ops ops, Tensor x, int b, int s, IntTensor mask, boolean training) {
        this.batch = b;
        this.seq = s;
        int h = x.cols();
        Tensor context = attention.forward(ops, packed(query.forward(ops, x)), 0, packed(key.forward(ops, x)), 0,
                packed(value.forward(ops, x)), 0, mask, training);
        Tensor attended = attentionDropout.forward(ops, attentionOutput.forward(ops, context.asMatrix()), training);
        Tensor residual1 = buffers.get("residual1", b * s, h);
        ops.add(x, attended, residual1);
        Tensor h1 = attentionNorm.forward(ops, residual1);
        preActivation = intermediate.forward(ops, h1);
        Tensor activated = buffers.get("activated", preActivation.shape());
        Activation.GELU.forward(ops, preActivation, activated);
        Tensor ffn = outputDropout.forward(ops, output.forward(ops, activated), training);
        Tensor residual2 = buffers.get("residual2", b * s, h);
        ops.add(h1, ffn, residual2);
        return outputNorm.forward(ops, residual2);
    }

    /** dOut [B·S, H] → dx [B·S, H] (a buffer of this layer's modules), or null when {@code inputGradient} is false. */
    Tensor backward(Ops ops, Tensor dOut, boolean training, boolean inputGradient) {
        Tensor dResidual2 = outputNorm.backward(ops, dOut);
        Tensor dActivated = output.backward(ops, outputDropout.backward(ops, dResidual2, training));
        Activation.GELU.backward(ops, preActivation, dActivated, dActivated);
        // Each residual branch's gradient is accumulated into the norm's gradient buffer itself, which
        // the branch above has finished reading: dh1 = dResidual2 + dFFN, dx = dResidual1 + dQKV.
        Tensor dh1 = dResidual2;
        intermediate.backward(ops, dActivated, dh1, true);
        Tensor dResidual1 = attentionNorm.backward(ops, dh1);
        Tensor dContext = attentionOutput.backward(ops, attentionDropout.backward(ops, dResidual1, training));
        int h = dOut.cols();
        Tensor dq = buffers.get("dq", batch, seq, h), dk = buffers.get("dk", batch, seq, h), dv = buffers.get("dv", batch, seq, h);
        attention.backward(ops, dContext.reshape(batch, seq, h), dq, dk, dv);
        Tensor dx = inputGradient ? dResidual1 : null;
        query.backward(ops, dq, dx, true);
        key.backward(ops, dk, dx, true);
        value.backward(ops, dv, dx, true);
        return dx;
    }

    private Tensor packed(Tensor rows) {
        return rows.reshape(batch, seq, rows.cols());
    }
}
