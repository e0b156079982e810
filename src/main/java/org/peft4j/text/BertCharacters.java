package org.peft4j.text;

/**
 * The character classes of Hugging Face's BERT normalizer and pre-tokenizer (tokenizers, Rust),
 * by code point.
 *
 * <p>Hugging Face tokenizers takes general categories from Unicode 8.0 tables (the
 * {@code unicode_categories} crate), so punctuation, format characters and non-spacing marks
 * that Unicode assigned later are ordinary characters to it. {@link #category} reproduces that on
 * top of the JDK's newer tables: {@link #NEWER_THAN_UNICODE_8} lists ranges (inclusive pairs)
 * that hold every code point the JDK puts in P*, Cf or Mn but Unicode 8.0 did not (and no other
 * P*, Cf or Mn), and four code points changed category since. The list was measured by encoding
 * {@code "a" + c + "b"} for every code point with Hugging Face tokenizers; a test repeats it for
 * every mark, punctuation, symbol, space, format, control and upper/title-case code point.
 */
final class BertCharacters {
    private BertCharacters() {}

    private static final int[] NEWER_THAN_UNICODE_8 = {
            0x061D, 0x061D, 0x07FD, 0x07FD, 0x0890, 0x08E2, 0x09FD, 0x09FE, 0x0A76, 0x0A76, 0x0AFA, 0x0AFF,
            0x0B55, 0x0B55, 0x0C04, 0x0C3C, 0x0C77, 0x0C77, 0x0C84, 0x0C84, 0x0D00, 0x0D00, 0x0D3B, 0x0D3C,
            0x0D81, 0x0D81, 0x0EBA, 0x0EBA, 0x0ECE, 0x0ECE, 0x180F, 0x1886, 0x1ABF, 0x1ACE, 0x1B4E, 0x1B4F,
            0x1B7D, 0x1B7F, 0x1DF6, 0x1DFB, 0x2E43, 0x2E5D, 0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF,
            0xA9BD, 0xA9BD, 0x10D24, 0x10F89, 0x11070, 0x11074, 0x110C2, 0x110CD, 0x111CF, 0x111CF,
            0x1123E, 0x11241, 0x1133B, 0x1133B, 0x113BB, 0x1145E, 0x11660, 0x1166C, 0x116B9, 0x116B9, 0x1182F, 0x11FFF,
            0x12FF1, 0x1612F, 0x16D6D, 0x16F4F, 0x16FE2, 0x16FE4, 0x1CF00, 0x1CF46, 0x1E000, 0x1E5FF, 0x1E944, 0x1E95F};

    /** The general category ({@link Character#getType} constants) as Unicode 8.0 had it, for the classes below. */
    static int category(int c) {
        for (int k = 0; k < NEWER_THAN_UNICODE_8.length && c >= NEWER_THAN_UNICODE_8[k]; k += 2) {
            if (c <= NEWER_THAN_UNICODE_8[k + 1]) return Character.UNASSIGNED;
        }
        return switch (c) {
            case 0x166D, 0x111C9 -> Character.OTHER_PUNCTUATION; // So and Mn today
            case 0x1734, 0x1171E -> Character.NON_SPACING_MARK;  // Mc today
            default -> Character.getType(c);
        };
    }

    /** Non-spacing marks (Mn): the accents that accent stripping drops after NFD. */
    static boolean isNonSpacingMark(int c) {
        return category(c) == Character.NON_SPACING_MARK;
    }

    /** Unicode White_Space (Rust's {@code char::is_whitespace}); Java's isWhitespace differs (no NBSP, adds U+001C–U+001F). */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /**
     * Control, format and private-use characters (Cc, Cf, Co) other than tab, newline and carriage
     * return; lone surrogates too (they reach a UTF-8 tokenizer as U+FFFD). Unassigned code points
     * are kept, as Hugging Face keeps them.
     */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        return switch (category(c)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> true;
            default -> false;
        };
    }

    /** ASCII punctuation (33–47, 58–64, 91–96, 123–126, symbols included) or a Unicode P* character. */
    static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
        return switch (category(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** CJK Unified Ideographs blocks as Hugging Face tokenizers defines them (note the 0x2B920 start of its fifth range). */
    static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
