package org.peft4j.testing;

import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.IntTensor;

/** Tiny models and batches for fast exact tests. */
public final class TinyModels {
    private TinyModels() {}

    /** A 2-layer BERT (vocab 13, hidden 8, 2 heads, FFN 12) with a 3-class head. */
    public static SequenceClassifier bertClassifier(float dropout, long seed) {
        BertConfig c = new BertConfig(13, 8, 2, 2, 12, 10, 2, 1e-5f, dropout, dropout);
        return new SequenceClassifier(new BertEncoder(c, seed), 3, seed + 1);
    }

    /** Three sequences of length 6 with padding, segment ids and labels. */
    public static TokenBatch batch() {
        int[] ids = {2, 5, 7, 1, 0, 0, 3, 9, 12, 11, 4, 6, 8, 8, 2, 0, 0, 0};
        int[] mask = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
        int[] types = {0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        return new TokenBatch(new IntTensor(ids, new int[] {3, 6}), new IntTensor(mask, new int[] {3, 6}),
                new IntTensor(types, new int[] {3, 6}), new IntTensor(new int[] {1, 0, 2}, new int[] {3}));
    }
}
