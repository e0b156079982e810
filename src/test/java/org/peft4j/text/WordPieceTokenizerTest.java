package org.peft4j.text;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-checked expectations against the all-MiniLM-L6-v2 vocabulary and small hand-written tokenizer.json files. */
class WordPieceTokenizerTest {
    private static WordPieceTokenizer miniLm;

    @BeforeAll
    static void load() throws IOException {
        miniLm = WordPieceTokenizer.miniLm();
    }

    private static List<String> tokens(String text) {
        return miniLm.tokens(text);
    }

    private static List<String> wrapped(String... pieces) {
        String[] all = new String[pieces.length + 2];
        all[0] = "[CLS]";
        System.arraycopy(pieces, 0, all, 1, pieces.length);
        all[all.length - 1] = "[SEP]";
        return List.of(all);
    }

    @Test
    void readsTheMiniLmSettings() {
        assertEquals(30522, miniLm.vocabSize());
        assertEquals(128, miniLm.maxLength());
        assertEquals(101, miniLm.clsId());
        assertEquals(102, miniLm.sepId());
        assertEquals(0, miniLm.padId());
        assertEquals(100, miniLm.unkId());
        assertEquals(BertNormalizer.UNCASED, miniLm.normalizer());
        assertEquals("[MASK]", miniLm.token(103));
        assertEquals("##s", miniLm.token(2015));
    }

    @Test
    void encodesWithClsSepFullMaskAndSegmentZero() {
        Encoding e = miniLm.encode("Hello world");
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, e.ids());
        assertArrayEquals(new int[] {1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[] {0, 0, 0, 0}, e.typeIds());
        assertArrayEquals(new int[] {101, 102}, miniLm.encode("").ids());
        assertArrayEquals(new int[] {101, 102}, miniLm.encode(" \t\n ").ids());
    }

    @Test
    void lowercasesAndStripsAccents() {
        assertEquals(wrapped("cafe", "naive", "resume"), tokens("Café NAÏVE résumé"));
        assertEquals(wrapped("istanbul"), tokens("İstanbul"));
        // Per-character lowercase: a word-final Σ becomes σ, not ς.
        assertEquals(wrapped("ο", "##δ", "##ο", "##σ"), tokens("ΟΔΟΣ"));
        assertEquals(wrapped("a", "a"), tokens("\u212B A\u030A"), "Angstrom sign and A + combining ring");
    }

    @Test
    void splitsPunctuationIncludingAsciiSymbols() {
        assertEquals(wrapped("don", "'", "t", "!", "!"), tokens("don't!!"));
        assertEquals(wrapped("x", "^", "y", "a", "`", "b", "$", "5"), tokens("x^y a`b $5"));
        assertEquals(wrapped("¿", "que", "?", "«", "x", "»", "a", "—", "b"), tokens("¿que? «x» a—b"));
        assertEquals(wrapped("5", "##€"), tokens("5€"), "€ is a symbol (Sc), not punctuation, outside ASCII");
    }

    @Test
    void cleansControlAndFormatCharactersAndMapsWhitespace() {
        assertEquals(wrapped("ab", "cd", "e", "##f", "st"), tokens("a\u000Bb c\u0000d e\u0085f s\u00ADt"));
        assertEquals(wrapped("g", "h", "i", "j", "k", "l"), tokens("g\u00A0h\ti\u3000j\r\nk\u2028l"));
        assertEquals(wrapped("mn", "op"), tokens("m\uE000n o\u200Bp\uFFFD"));
    }

    @Test
    void isolatesCjkIdeographsAndMapsUnknownSymbolsToUnk() {
        assertEquals(wrapped("[UNK]", "[UNK]", "世", "[UNK]"), tokens("你好世界"));
        assertEquals(wrapped("x", "[UNK]", "[UNK]", "[UNK]", "y"), tokens("x\uD86E\uDC1F\uD86E\uDC20\uD86E\uDD1F\uD86E\uDD20y"),
                "U+2B81F and U+2B920 are ideographs to Hugging Face, U+2B820..U+2B91F are not");
        assertEquals(wrapped("[UNK]", "[UNK]", "x"), tokens("😀 🫠 x"));
    }

    @Test
    void splitsLongWordsIntoContinuationPieces() {
        assertEquals(wrapped("anti", "##dis", "##est", "##ab", "##lish", "##ment", "##arian", "##ism"), tokens("antidisestablishmentarianism"));
        assertEquals(wrapped("una", "##ffa", "##ble"), tokens("unaffable"));
    }

    @Test
    void wordsLongerThan100CharactersBecomeUnk() {
        assertEquals(wrapped("[UNK]"), tokens("a".repeat(200)));
        assertEquals(wrapped("[UNK]", "ok"), tokens("b".repeat(101) + " ok"));
        assertNotEquals(List.of("[CLS]", "[UNK]", "[SEP]"), tokens("a".repeat(100)), "100 characters are still split into pieces");
    }

    @Test
    void matchesAddedTokensVerbatimBeforeNormalizing() {
        assertEquals(wrapped("[", "mask", "]", "[MASK]", "[SEP]", "x", "[CLS]"), tokens("[mask] [MASK][SEP]x [CLS]"));
    }

    @Test
    void truncatesToMaxLengthKeepingClsAndSep() {
        String text = "one two three ".repeat(100);
        Encoding e = miniLm.encode(text);
        assertEquals(128, e.length());
        assertEquals(101, e.ids()[0]);
        assertEquals(102, e.ids()[127]);
        assertArrayEquals(Arrays.copyOfRange(miniLm.encode("one two three ".repeat(42)).ids(), 1, 127), Arrays.copyOfRange(e.ids(), 1, 127));
        Encoding short7 = miniLm.withMaxLength(7).encode(text);
        assertArrayEquals(new int[] {101, 2028, 2048, 2093, 2028, 2048, 102}, short7.ids());
        assertThrows(IllegalArgumentException.class, () -> miniLm.withMaxLength(1));
    }

    @Test
    void padsBatchesToTheLongestOrAFixedLength() {
        EncodedBatch batch = miniLm.encodeBatch(List.of("Hello world", "a", "The cat sat on the mat"));
        assertArrayEquals(new int[] {3, 8}, batch.ids().shape());
        assertArrayEquals(new int[] {101, 7592, 2088, 102, 0, 0, 0, 0}, Arrays.copyOfRange(batch.ids().data(), 0, 8));
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0, 0, 0}, Arrays.copyOfRange(batch.attentionMask().data(), 0, 8));
        assertArrayEquals(new int[] {101, 1037, 102, 0, 0, 0, 0, 0}, Arrays.copyOfRange(batch.ids().data(), 8, 16));
        assertArrayEquals(miniLm.encode("The cat sat on the mat").ids(), Arrays.copyOfRange(batch.ids().data(), 16, 24));
        assertTrue(Arrays.stream(batch.attentionMask().data(), 16, 24).allMatch(m -> m == 1));
        assertTrue(Arrays.stream(batch.typeIds().data()).allMatch(t -> t == 0));

        EncodedBatch fixed = miniLm.encodeBatch(List.of("Hello world", "The cat sat on the mat"), 5);
        assertArrayEquals(new int[] {2, 5}, fixed.ids().shape());
        assertArrayEquals(new int[] {101, 7592, 2088, 102, 0, 101, 1996, 4937, 2938, 102}, fixed.ids().data());
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, fixed.attentionMask().data());
        assertArrayEquals(new int[] {0, 0}, miniLm.encodeBatch(List.of()).ids().shape());
        assertThrows(IllegalArgumentException.class, () -> miniLm.encodeBatch(List.of("x"), 1));
    }

    // ---- small hand-written tokenizer.json files ----

    private static final String VOCAB = """
            {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "un": 4, "##aff": 5, "##able": 6, "a": 7, "##ff": 8,
             "Ab": 9, "ab": 10, "!": 11, "##a": 12, "é": 13}""";

    private static String json(String normalizer, String model, String extra) {
        return """
                {"version": "1.0", %s
                 "added_tokens": [{"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
                 "normalizer": %s, "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                 "model": %s}""".formatted(extra, normalizer, model);
    }

    private static String wordPiece(int maxChars) {
        return """
                {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": %d, "vocab": %s}"""
                .formatted(maxChars, VOCAB);
    }

    private static WordPieceTokenizer tiny(String json) throws IOException {
        return WordPieceTokenizer.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void greedyLongestMatchFirst() throws IOException {
        WordPieceTokenizer t = tiny(json("{\"type\": \"BertNormalizer\", \"lowercase\": true}", wordPiece(9), ""));
        assertArrayEquals(new int[] {2, 4, 5, 6, 3}, t.encode("unaffable").ids(), "un ##aff ##able");
        assertArrayEquals(new int[] {2, 7, 8, 12, 3}, t.encode("affa").ids(), "a ##ff ##a: longest first piece, then longest continuations");
        assertArrayEquals(new int[] {2, 1, 3}, t.encode("unaffx").ids(), "one uncovered character makes the whole word [UNK]");
        assertArrayEquals(new int[] {2, 1, 10, 3}, t.encode("aaaaaaaaaa ab").ids(), "10 > max_input_chars_per_word 9");
        assertArrayEquals(new int[] {2, 10, 11, 3}, t.encode("AB!").ids(), "lowercased");
        assertEquals(WordPieceTokenizer.DEFAULT_MAX_LENGTH, t.maxLength(), "no truncation in the file");
        assertEquals(0, t.padId());
    }

    @Test
    void honoursCasedAndAccentSettings() throws IOException {
        WordPieceTokenizer cased = tiny(json("{\"type\": \"BertNormalizer\", \"lowercase\": false, \"strip_accents\": null}", wordPiece(100), ""));
        assertArrayEquals(new int[] {2, 9, 10, 13, 3}, cased.encode("Ab ab é").ids());
        WordPieceTokenizer keepAccents = tiny(json("{\"type\": \"BertNormalizer\", \"lowercase\": true, \"strip_accents\": false}", wordPiece(100), ""));
        assertArrayEquals(new int[] {2, 13, 3}, keepAccents.encode("É").ids());
        WordPieceTokenizer stripAccents = tiny(json("{\"type\": \"BertNormalizer\", \"lowercase\": true}", wordPiece(100), ""));
        assertArrayEquals(new int[] {2, 1, 3}, stripAccents.encode("É").ids(), "e is not in the tiny vocabulary");
        WordPieceTokenizer truncating = tiny(json("null", wordPiece(100),
                "\"truncation\": {\"direction\": \"Right\", \"max_length\": 4}, \"padding\": {\"pad_id\": 1, \"pad_type_id\": 0},"));
        assertEquals(4, truncating.maxLength());
        assertArrayEquals(new int[] {2, 9, 10, 3}, truncating.encode("Ab ab Ab").ids());
        assertArrayEquals(new int[] {2, 10, 3, 1, 2, 10, 10, 3}, truncating.encodeBatch(List.of("ab", "ab ab")).ids().data(), "pad_id 1 from the file");
    }

    @Test
    void rejectsTokenizerFilesItCannotHonour(@TempDir Path dir) throws IOException {
        String bpe = json("null", "{\"type\": \"BPE\", \"vocab\": {}}", "");
        assertEquals("model.type is 'BPE'; only WordPiece is supported",
                assertThrows(TokenizerFormatException.class, () -> tiny(bpe)).getMessage());
        String lstrip = json("null", wordPiece(100), "").replace("\"special\": true}, {\"id\": 3", "\"lstrip\": true}, {\"id\": 3");
        assertEquals("added token '[CLS]' sets lstrip, which is not supported",
                assertThrows(TokenizerFormatException.class, () -> tiny(lstrip)).getMessage());
        String noUnk = json("null", wordPiece(100).replace("\"unk_token\": \"[UNK]\"", "\"unk_token\": \"<unk>\""), "");
        assertEquals("model.unk_token '<unk>' is not in the vocabulary",
                assertThrows(TokenizerFormatException.class, () -> tiny(noUnk)).getMessage());
        String roberta = json("null", wordPiece(100), "").replace("\"BertProcessing\"", "\"RobertaProcessing\"");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> tiny(roberta)).getMessage()
                .startsWith("post_processor.type is 'RobertaProcessing'"));
        String addedOutside = json("null", wordPiece(100), "").replace("{\"id\": 3, \"content\": \"[SEP]\"", "{\"id\": 23, \"content\": \"[SEP]\"");
        assertEquals("added token '[SEP]' has id 23, outside the vocabulary of 14 tokens; added tokens beyond model.vocab are not supported",
                assertThrows(TokenizerFormatException.class, () -> tiny(addedOutside)).getMessage());
        String padOutside = json("null", wordPiece(100), "\"padding\": {\"pad_id\": 14},");
        assertEquals("padding.pad_id 14 is outside the vocabulary", assertThrows(TokenizerFormatException.class, () -> tiny(padOutside)).getMessage());
        String duplicateId = json("null", wordPiece(100).replace("\"##a\": 12", "\"##a\": 11"), "");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> tiny(duplicateId)).getMessage().contains("is not a unique id"));
        assertTrue(assertThrows(TokenizerFormatException.class, () -> tiny("{\"model\": ")).getMessage().startsWith("not valid JSON"));
        assertEquals("not a tokenizer.json: no 'model'", assertThrows(TokenizerFormatException.class, () -> tiny("{}")).getMessage());

        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "[1, 2, 3]");
        var e = assertThrows(TokenizerFormatException.class, () -> WordPieceTokenizer.fromJson(file));
        assertEquals(file + ": not a tokenizer.json: expected a JSON object", e.getMessage());
    }
}
