package org.peft4j.text;

import java.util.ArrayList;
import java.util.List;

/** Hugging Face's {@code BertPreTokenizer}: split on whitespace (dropped) and around each punctuation character (kept). */
public final class BertPreTokenizer {
    private BertPreTokenizer() {}

    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (BertCharacters.isWhitespace(c)) {
                flush(word, words);
            } else if (BertCharacters.isPunctuation(c)) {
                flush(word, words);
                words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        });
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }
}
