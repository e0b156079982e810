package org.peft4j.nn.gpt;

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
import org.peft4j.tensor.Tensor;

/**
 * One pre-LayerNorm GPT-2 block ({@code transformer.h.N}):
 * <pre>
 *   r = x + dropout(attn.c_proj(CausalMHA(attn.c_attn(ln_1(x)))))      c_attn packs q | k | v
 *   y = r + dropout(mlp.c_proj(GELU(mlp.c_fc(ln_2(r)))))
 * </pre>
 */
final class GptBlock implements Module {
    final Linear cAttn, cProj, cFc, mlpProj;
    private final LayerNorm ln1, ln2;
    private final AttentionCore attention;
    private final Dropout attnDropout, mlpDropout;
    private final Buffers buffers;
    private Tensor preActivation;
    private int batch, seq;

    GptBlock(GptConfig c, int index, long seed, DropoutSites sites) {
        String p = "transformer.h." + index + ".";
        int h = c.hiddenSize();
        float residualStd = (float) (0.02 / Math.sqrt(2.0 * c.layers()));
        ln1 = LayerNorm.create(p + "ln_1", h, c.layerNormEps());
        cAttn = Linear.normal(p + "attn.c_attn", h, 3 * h, 0.02f, true, seed);
        attention = new AttentionCore(p + "attn", c.heads(), c.headDim(), true, sites.create(p + "attn.attn_dropout", c.dropout()));
        cProj = Linear.normal(p + "attn.c_proj", h, h, residualStd, true, seed);
        attnDropout = sites.create(p + "attn.resid_dropout", c.dropout());
        ln2 = LayerNorm.create(p + "ln_2", h, c.layerNormEps());
        cFc = Linear.normal(p + "mlp.c_fc", h, c.intermediateSize(), 0.02f, true, seed);
        mlpProj = Linear.normal(p + "mlp.c_proj", c.intermediateSize(), h, residualStd, true, seed);
        mlpDropout = sites.create(p + "mlp.dropout", c.dropout());
        buffers = new Buffers(p.substring(0, p.length() - 1));
    }

    List<Linear> linears() { return List.of(cAttn, cProj, cFc, mlpProj); }

    @Override
    public List<Parameter> parameters() {
        return Module.collect(List.of(ln1, cAttn, cProj, ln2, cFc, mlpProj));
    }

    Tensor forward(Ops ops, Tensor x, int b, int s, boolean training) {
        this.batch = b;
        this.seq = s;
        int h = x.cols();
        Tensor qkv = cAttn.forward(ops, ln1.forward(ops, x)).reshape(b, s, 3 * h);
        Tensor context = attention.forward(ops, qkv, 0, qkv, h, qkv, 2 * h, null, training);
        Tensor residual = buffers.get("residual", b * s, h);
        ops.add(x, attnDropout.forward(ops, cProj.forward(ops, context.asMatrix()), training), residual);
        preActivation = cFc.forward(ops, ln2.forward(ops, residual));
        Tensor activated = buffers.get("activated", preActivation.shape());
        Activation.GELU.forward(ops, preActivation, activated);
        Tensor out = buffers.get("out", b * s, h);
        ops.add(residual, mlpDropout.forward(ops, mlpProj.forward(ops, activated), training), out);
        return out;
    }

    Tensor backward(Ops ops, Tensor dOut, boolean training) {
        int h = dOut.cols();
        Tensor dActivated = mlpProj.backward(ops, mlpDropout.backward(ops, dOut, training));
        Activation.GELU.backward(ops, preActivation, dActivated, dActivated);
        Tensor dResidual = buffers.get("dResidual", dOut.shape());
        ops.copy(dOut, dResidual);
        ops.add(dResidual, ln2.backward(ops, cFc.backward(ops, dActivated)), dResidual);
        Tensor dContext = cProj.backward(ops, attnDropout.backward(ops, dResidual, training));
        Tensor dqkv = buffers.get("dqkv", batch, seq, 3 * h);
        attention.backward(ops, dContext.reshape(batch, seq, h), dqkv, dqkv, dqkv);
        Tensor dx = buffers.get("dx", batch * seq, h);
        ops.add(dResidual, ln1.backward(ops, cAttn.backward(ops, dqkv)), dx);
        return dx;
    }
}
