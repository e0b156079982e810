package org.peft4j.nn;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** A lookup table {@code weight [count, dim]}: {@code out[i] = weight[ids[i]]}. */
public final class Embedding implements Module {
    private final Parameter weight;
    private final Buffers buffers;
    private IntTensor ids;

    public Embedding(Parameter weight) {
        this.weight = weight;
        this.buffers = new Buffers(weight.name());
    }

    /** Normal(0, std²) initialised, as BERT and GPT-2 do with std 0.02. */
    public static Embedding create(String name, int count, int dim, float std, long seed) {
        return new Embedding(Parameter.trainable(name + ".weight", Tensor.normal(Seeds.of(seed, name), std, count, dim)));
    }


    public Parameter weight() { return weight; }
    public int dim() { return weight.value().dim(1); }

    @Override public List<Parameter> parameters() { return List.of(weight); }

    /** ids [n] (any shape) → out [n, dim]. */
    public Tensor forward(Ops ops, IntTensor ids) {
        this.ids = ids;
        Tensor out = buffers.get("out", ids.size(), dim());
        ops.embeddingGather(weight.value(), ids, out);
        return out;
    }

    /** Accumulates {@code dout} into the table's gradient (nothing if frozen). */
    public void backward(Ops ops, Tensor dout) {
        if (weight.trainable()) ops.embeddingScatterAdd(dout, ids, weight.grad());
    }
}
