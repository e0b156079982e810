package org.peft4j.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * GPT-2 byte-level BPE (jtokkit's {@code r50k_base}) with the vocabulary compacted to the BPE ids
 * that occur in the training text: dense id {@code k} is the k-th smallest BPE id seen, id 0 is
 * any id not seen. A small model then needs no 50,257-row embedding.
 */
public final class Gpt2Tokenizer implements TextTokenizer {
    private static final Encoding BPE = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private final int[] bpeIds;
    private final Map<Integer, Integer> dense = new HashMap<>();

    private Gpt2Tokenizer(int[] bpeIds) {
        this.bpeIds = bpeIds;
        for (int i = 0; i < bpeIds.length; i++) dense.put(bpeIds[i], i + 1);
    }

    public static Gpt2Tokenizer fit(String trainingText) {
        TreeSet<Integer> seen = new TreeSet<>();
        IntArrayList ids = BPE.encodeOrdinary(trainingText);
        for (int i = 0; i < ids.size(); i++) seen.add(ids.get(i));
        return new Gpt2Tokenizer(seen.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int[] encode(String text) {
        IntArrayList ids = BPE.encodeOrdinary(text);
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) out[i] = dense.getOrDefault(ids.get(i), 0);
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
                ids.add(bpeIds[t - 1]);
            }
        }
        return sb.append(BPE.decode(ids)).toString();
    }

    @Override public int vocabularySize() { return bpeIds.length + 1; }
    @Override public String name() { return "gpt2"; }
}
