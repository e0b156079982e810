package org.peft4j.text;

/** Text ↔ token ids for language modelling; ids lie in {@code [0, vocabularySize())}. */
public interface TextTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    int vocabularySize();

    /** A short name for logs and configs ({@code char}, {@code gpt2}). */
    String name();
}
