package org.peft4j.text;

import java.util.Map;
import java.util.function.IntConsumer;

/**
 * WordPiece (Schuster &amp; Nakajima; BERT): greedy longest-match-first segmentation of one word
 * into vocabulary pieces, non-initial pieces carrying {@code continuingPrefix} ("##"). A word
 * with a character no piece covers, or longer than {@code maxInputCharsPerWord} code points,
 * becomes the single {@code unkId}.
 */
record WordPiece(Map<String, Integer> vocab, int unkId, String continuingPrefix, int maxInputCharsPerWord) {

    /** Emits the ids of {@code word}'s pieces. */
    void tokenize(String word, IntConsumer ids) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            ids.accept(unkId);
            return;
        }
        int[] pieces = new int[word.length()];
        int count = 0;
        for (int start = 0; start < word.length(); ) {
            Integer id = null;
            int end = word.length();
            while (end > start) {
                String piece = start == 0 ? word.substring(0, end) : continuingPrefix + word.substring(start, end);
                id = vocab.get(piece);
                if (id != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                ids.accept(unkId);
                return;
            }
            pieces[count++] = id;
            start = end;
        }
        for (int i = 0; i < count; i++) ids.accept(pieces[i]);
    }
}
