package org.peft4j.text;

/**
 * One token per Unicode code point seen in the training text (sorted, so the vocabulary is a
 * pure function of that text); id 0 stands for any code point not seen.
 */
public final class CharTokenizer implements TextTokenizer {
    private final CompactVocabulary vocabulary;

    private CharTokenizer(CompactVocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    public static CharTokenizer fit(String trainingText) {
        return new CharTokenizer(new CompactVocabulary(trainingText.codePoints()));
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(vocabulary::toDense).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) sb.appendCodePoint(t == 0 ? '\uFFFD' : vocabulary.symbol(t));
        return sb.toString();
    }

    @Override public int vocabularySize() { return vocabulary.size(); }
    @Override public String name() { return "char"; }
}
