package org.peft4j.text;

import java.text.Normalizer;

/**
 * Hugging Face's {@code BertNormalizer}, applied in its order:
 * <ol>
 *   <li>clean text: drop NUL, U+FFFD and control characters, then map whitespace to a space;</li>
 *   <li>surround every CJK ideograph with spaces;</li>
 *   <li>strip accents: NFD, then drop non-spacing marks (Mn, as of Unicode 8.0, see {@link BertCharacters});</li>
 *   <li>lowercase each code point on its own (full mapping: U+0130 → "i̇", Σ → σ even word-finally).</li>
 * </ol>
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** The settings of uncased BERT (all-MiniLM-L6-v2, bert-base-uncased). */
    public static final BertNormalizer UNCASED = new BertNormalizer(true, true, true, true);

    public String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(c -> {
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || BertCharacters.isControl(c)) return;
                if (BertCharacters.isWhitespace(c)) c = ' ';
            }
            if (handleChineseChars && BertCharacters.isChineseChar(c)) out.append(' ').appendCodePoint(c).append(' ');
            else out.appendCodePoint(c);
        });
        String s = out.toString();
        if (stripAccents) s = stripAccents(s);
        return lowercase ? lowercase(s) : s;
    }

    private static String stripAccents(String s) {
        StringBuilder out = new StringBuilder(s.length());
        Normalizer.normalize(s, Normalizer.Form.NFD).codePoints()
                .filter(c -> !BertCharacters.isNonSpacingMark(c))
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    /** Per code point, so without the context-dependent final-sigma rule of {@link String#toLowerCase}. */
    private static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            // U+0130 is the only code point whose unconditional lowercase mapping has two code points.
            if (c == 0x130) out.append("i\u0307");
            else out.appendCodePoint(Character.toLowerCase(c));
        });
        return out.toString();
    }
}
