package org.peft4j.text;

import java.util.Arrays;

/**
 * One tokenised text: token ids ({@code [CLS] pieces… [SEP]}, then padding), the attention mask
 * (1 for a real token, 0 for padding) and the token type (segment) ids.
 */
public record Encoding(int[] ids, int[] attentionMask, int[] typeIds) {
    public Encoding {
        if (ids.length != attentionMask.length || ids.length != typeIds.length) {
            throw new IllegalArgumentException("Encoding: " + ids.length + " ids, " + attentionMask.length + " mask values and "
                    + typeIds.length + " type ids differ in length");
        }
    }

    public int length() { return ids.length; }

    /** This encoding right-padded to {@code length} tokens with {@code padId} (mask 0, type {@code padTypeId}). */
    public Encoding padded(int length, int padId, int padTypeId) {
        if (length < ids.length) {
            throw new IllegalArgumentException("Encoding of " + ids.length + " tokens cannot be padded to " + length);
        }
        int[] p = Arrays.copyOf(ids, length), m = Arrays.copyOf(attentionMask, length), t = Arrays.copyOf(typeIds, length);
        Arrays.fill(p, ids.length, length, padId);
        Arrays.fill(t, ids.length, length, padTypeId);
        return new Encoding(p, m, t);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids);
    }
}
