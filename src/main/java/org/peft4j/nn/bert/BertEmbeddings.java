package org.peft4j.nn.bert;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Dropout;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Embedding;
import org.peft4j.nn.LayerNorm;
import org.peft4j.nn.Module;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** {@code h = dropout(LayerNorm(word[ids] + position[s] + tokenType[typeIds]))}. */
final class BertEmbeddings implements Module {
    private final Embedding word, position, tokenType;
    private final LayerNorm norm;
    private final Dropout dropout;
    private final Buffers buffers = new Buffers("embeddings");
    private IntTensor positions, zeroTypes;

    BertEmbeddings(BertConfig c, long seed, DropoutSites sites) {
        word = Embedding.create("embeddings.word_embeddings", c.vocabSize(), c.hiddenSize(), 0.02f, seed);
        position = Embedding.create("embeddings.position_embeddings", c.maxPositions(), c.hiddenSize(), 0.02f, seed);
        tokenType = Embedding.create("embeddings.token_type_embeddings", c.typeVocabSize(), c.hiddenSize(), 0.02f, seed);
        norm = LayerNorm.create("embeddings.LayerNorm", c.hiddenSize(), c.layerNormEps());
        dropout = sites.create("embeddings.dropout", c.hiddenDropout());
    }

    @Override
    public List<Parameter> parameters() {
        return Module.collect(List.of(word, position, tokenType, norm));
    }

    Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        int b = batch.batchSize(), s = batch.sequenceLength();
        if (s > position.weight().value().dim(0)) {
            throw new IllegalArgumentException("sequence length " + s + " exceeds the model's " + position.weight().value().dim(0) + " positions");
        }
        prepareIndices(b, s);
        Tensor sum = buffers.get("sum", b * s, word.dim());
        ops.add(word.forward(ops, batch.ids()), position.forward(ops, positions), sum);
        ops.add(sum, tokenType.forward(ops, batch.typeIds() == null ? zeroTypes : batch.typeIds()), sum);
        return dropout.forward(ops, norm.forward(ops, sum), training);
    }

    void backward(Ops ops, Tensor dh, boolean training) {
        Tensor dsum = norm.backward(ops, dropout.backward(ops, dh, training));
        word.backward(ops, dsum);
        position.backward(ops, dsum);
        tokenType.backward(ops, dsum);
    }

    /** Position ids 0..S−1 per row and all-zero segment ids, rebuilt only when the shape changes. */
    private void prepareIndices(int b, int s) {
        if (positions != null && positions.dim(0) == b && positions.dim(1) == s) return;
        positions = IntTensor.zeros(b, s);
        for (int i = 0; i < b * s; i++) positions.data()[i] = i % s;
        zeroTypes = IntTensor.zeros(b, s);
    }
}
