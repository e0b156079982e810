package org.peft4j.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.stream.IntStream;

/**
 * GPT-2 byte-level BPE (jtokkit's {@code r50k_base}) with the vocabulary compacted to the BPE ids
 * that occur in the training text, so a small model needs no 50,257-row embedding; id 0 is any
 * BPE id not seen.
 */
public final class Gpt2Tokenizer implements TextTokenizer {
    private static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private final CompactVocabulary vocabulary;

    private Gpt2Tokenizer(CompactVocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    public static Gpt2Tokenizer fit(String trainingText) {
        IntArrayList ids = BPE.encodeOrdinary(trainingText);
        return new Gpt2Tokenizer(new CompactVocabulary(IntStream.range(0, ids.size()).map(ids::get)));
    }

    @Override
    public int[] encode(String text) {
        IntArrayList ids = BPE.encodeOrdinary(text);
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) out[i] = vocabulary.toDense(ids.get(i));
        return out;
    }

    @Override
    public String decode(int[] tokens) {
        IntArrayList ids = new IntArrayList(tokens.length);
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == 0) {
                sb.append(BPE.decode(ids)).append('\uFFFD');
                ids.clear();
            } else {
                ids.add(vocabulary.symbol(t));
            }
        }
        return sb.append(BPE.decode(ids)).toString();
    }

    @Override public int vocabularySize() { return vocabulary.size(); }
    @Override public String name() { return "gpt2"; }
}
