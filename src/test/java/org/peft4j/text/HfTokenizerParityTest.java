package org.peft4j.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Token ids identical to Hugging Face tokenizers (the Rust library, through DJL's bindings, offline)
 * on the all-MiniLM-L6-v2 tokenizer.json: curated sentences (mail and spam text, many scripts,
 * control characters, added tokens, truncation) and random mixtures of characters.
 */
class HfTokenizerParityTest {
    private static WordPieceTokenizer ours;
    private static HuggingFaceTokenizer reference;

    @BeforeAll
    static void load() throws IOException {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".cache", "djl").toString());
        ours = WordPieceTokenizer.miniLm();
        try (InputStream in = HfTokenizerParityTest.class.getClassLoader().getResourceAsStream(WordPieceTokenizer.MINILM_RESOURCE)) {
            reference = HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "true", "truncation", "true",
                    "maxLength", "128", "padding", "true"));
        }
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    static final List<String> SENTENCES = List.of(
            "The cat sat on the mat.",
            "A kitten is playing with a ball of yarn.",
            "Stock markets fell sharply after the central bank raised interest rates.",
            "Hello, world! How's it going?",
            "Don't panic -- it's only a test... right?!",
            "Subject: =?iso-8859-1?Q?Re:_Cheap_V1AGRA_n0w?=",
            "CLICK HERE!!! http://www.example.com/offer?id=12345&ref=spam_campaign#top",
            "$$$ MAKE MONEY FAST $$$ Work from home and earn $5,000/week!!!",
            "Dear Friend, I am Mr. John Smith, a banker with Union Bank of Nigeria. I have a business proposal of US$25,000,000.00.",
            "Received: from mail.example.com (mail.example.com [192.168.0.1]) by mx.example.org with ESMTP id 3F2A1B; Tue, 2 Mar 2004 10:15:01 -0500",
            "Content-Type: text/html; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable",
            "<html><body><a href=\"http://spam.example.biz/unsubscribe.php?u=me@example.com\">unsubscribe</a></body></html>",
            "=3D=3D=3D This message was sent to you because you opted in =3D=3D=3D =20",
            "Reply to: winner@lottery-intl.co.uk -- You have WON £1,000,000 in the UK National Lottery!!!",
            "Unsubscribe: mailto:remove-me@list.example.net?subject=unsubscribe",
            "From: \"Jane Doe\" <jane.doe+lists@example.org>\r\nTo: undisclosed-recipients:;\r\n",
            "Ｆｒｅｅ ｖｉａｇｒａ！ Fullwidth letters and digits ０１２３",
            "Grüße aus München! Die Straße ist schön.",
            "Ça coûte 5€, n'est-ce pas? Où est l'hôtel?",
            "¿Qué tal? ¡Muy bien, gracias! El niño comió piñata.",
            "Привет, как дела? Это тест на русском языке.",
            "Γειά σου Κόσμε! ΟΔΟΣ ΣΟΦΙΑ ΣΑΣ",
            "مرحبا بالعالم، هذا اختبار.",
            "שלום עולם, זה מבחן.",
            "नमस्ते दुनिया, यह एक परीक्षण है।",
            "สวัสดีชาวโลก นี่คือการทดสอบ",
            "こんにちは世界、これはテストです。カタカナもあります。",
            "안녕하세요 세계, 이것은 테스트입니다.",
            "你好，世界！这是一个测试。我们喜欢机器学习。",
            "Mixed 中文 and English 混合 text 123.",
            "Emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🫠",
            "Math: ∑ x² + ∫ f(x) dx ≤ √2 · π ≈ 3.14159 ∞",
            "Roman numerals Ⅻ and superscripts x² y³ and fractions ½ ¾",
            "Ligatures: ﬁnance ﬂow ﬀ; Angstrom Å vs Å; ǅungla",
            "İstanbul'da İyi Günler; TITLE ıi",
            "Tabs\tand\nnewlines\r\nand\u000Bvertical\u000Cfeeds\u0085next",
            "Zero\u200Bwidth\u200Djoiner\u2060word\uFEFFbom\u00ADsoft",
            "Private\uE000use and replacement \uFFFD and NUL \u0000 chars",
            "NBSP\u00A0here, ideographic\u3000space, line\u2028separator, ogham\u1680mark",
            "Combining: e\u0301 a\u0308 n\u0303 o\u0302 and enclosing e\u0489 and Devanagari कि",
            "[CLS] special tokens [SEP] inside [MASK] the [PAD] text [UNK]",
            "[cls] lowercase [mask] are not special; [unused0] is not added",
            "[[MASK]] and [MASK][MASK] back to back",
            "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious",
            "a".repeat(100) + " " + "b".repeat(101),
            "x".repeat(250),
            "email@example.com user_name-123@sub.domain.co.uk http://a.b/c_d?e=f&g=h",
            "C++ C# F# .NET node.js @mention #hashtag ~tilde `backtick` ^caret |pipe| \\backslash",
            "Prices: $19.99, €25, ¥1000, ₹500, ₿0.001, 50% off!!!",
            "Dates 2024-01-15T10:30:00Z and times 10:30am, phone +1 (555) 123-4567",
            "UPPERCASE lowercase MiXeD cAsE",
            "   leading and trailing spaces   ",
            "",
            "   ",
            "!!!???...",
            "one two three four five six seven eight nine ten ".repeat(30),
            "The quick brown fox jumps over the lazy dog. ".repeat(20),
            "U+2B81F \uD86E\uDC1F vs U+2B820 \uD86E\uDC20 vs U+2B920 \uD86E\uDD20 ideographs",
            "a⸝b new punctuation and ｟ brackets ｠ and 〈angle〉",
            "Re: Re: Fwd: [SPAM] ***** SPAM ***** Your account has been suspended!!");

    @Test
    void curatedSentencesGiveTheReferenceIds() {
        assertTrue(SENTENCES.size() >= 50);
        for (String s : SENTENCES) assertSameIds(s);
    }

    @Test
    void batchesGiveTheReferenceIdsAndMasks() {
        List<String> texts = SENTENCES.subList(0, 12);
        EncodedBatch batch = ours.encodeBatch(texts);
        var expected = reference.batchEncode(texts);
        int length = batch.length();
        for (int b = 0; b < texts.size(); b++) {
            assertArrayEquals(toInts(expected[b].getIds()), Arrays.copyOfRange(batch.ids().data(), b * length, (b + 1) * length), texts.get(b));
            assertArrayEquals(toInts(expected[b].getAttentionMask()),
                    Arrays.copyOfRange(batch.attentionMask().data(), b * length, (b + 1) * length), texts.get(b));
            assertArrayEquals(toInts(expected[b].getTypeIds()), Arrays.copyOfRange(batch.typeIds().data(), b * length, (b + 1) * length));
        }
    }

    @Test
    void randomCharacterMixturesGiveTheReferenceIds() {
        SplittableRandom rng = new SplittableRandom(2024);
        for (int i = 0; i < 400; i++) assertSameIds(randomText(rng));
    }

    /**
     * {@code "a" + c + "b"} for every code point whose class matters to BERT text handling: marks,
     * punctuation, symbols, format and control characters, spaces, cased letters, and the ranges
     * that changed category after Unicode 8.0.
     */
    @Test
    void everyMarkPunctuationSymbolAndFormatCharacterIsClassifiedAsTheReference() {
        List<String> probes = new ArrayList<>();
        for (int c = 0; c <= 0x10FFFF; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) continue;
            int type = Character.getType(c);
            boolean relevant = switch (type) {
                case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER, Character.NON_SPACING_MARK,
                     Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.SPACE_SEPARATOR,
                     Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.CONTROL, Character.FORMAT,
                     Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                     Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                     Character.FINAL_QUOTE_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                     Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
                default -> BertCharacters.category(c) != type;
            };
            if (relevant) probes.add("a" + Character.toString(c) + "b");
        }
        assertTrue(probes.size() > 10_000, "probes: " + probes.size());
        var expected = reference.batchEncode(probes);
        for (int i = 0; i < probes.size(); i++) {
            int[] ids = toInts(expected[i].getIds());
            if (!Arrays.equals(ids, ours.encode(probes.get(i)).ids())) assertSameIds(probes.get(i));
        }
    }

    private static void assertSameIds(String text) {
        int[] expected = toInts(reference.encode(text).getIds());
        int[] actual = ours.encode(text).ids();
        if (!Arrays.equals(expected, actual)) {
            fail("ids differ for " + escape(text) + "\n reference " + Arrays.toString(expected) + " " + tokens(expected)
                    + "\n ours      " + Arrays.toString(actual) + " " + tokens(actual));
        }
    }

    private static final String[] WORDS = {"the", "spam", "offer", "free", "money", "unsubscribe", "hello", "running", "jumped",
            "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[mask]", "http", "www", "com"};
    private static final int[][] RANGES = {
            {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E},           // ASCII, three times as likely
            {0x00, 0x1F}, {0x7F, 0x9F},                          // C0 and C1 controls
            {0xA0, 0x24F}, {0x300, 0x36F}, {0x370, 0x3FF},      // Latin-1/Extended, combining marks, Greek
            {0x400, 0x4FF}, {0x590, 0x6FF}, {0x900, 0x97F},     // Cyrillic, Hebrew/Arabic, Devanagari
            {0xE00, 0xE7F}, {0x1E00, 0x1EFF}, {0x2000, 0x206F}, // Thai, Latin Extended Additional, general punctuation
            {0x20A0, 0x22FF}, {0x2E00, 0x2E7F}, {0x3000, 0x30FF}, // currency, letterlike, arrows, math; supplemental punct; CJK punct, kana
            {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, // CJK ext A, CJK, Hangul
            {0xE000, 0xE0FF}, {0xF900, 0xFAFF}, {0xFE00, 0xFFFF}, // private use, CJK compatibility, variation selectors to specials
            {0x1F300, 0x1FAFF}, {0x20000, 0x2A6DF}, {0x2B700, 0x2CEAF}, // emoji, CJK ext B, ext C–F borders
            {0x2F800, 0x2FA1F}, {0xE0000, 0xE007F},             // CJK compatibility supplement, tags
            {0x0, 0xD7FF}, {0x10000, 0x3FFFF}};                  // anything, assigned or not
    private static final String WHITESPACE = " \t\n\r\u000B\u000C\u0085\u00A0\u1680\u2000\u200A\u2028\u2029\u202F\u205F\u3000\u180E\u001C";

    private static String randomText(SplittableRandom rng) {
        StringBuilder s = new StringBuilder();
        int items = 1 + rng.nextInt(30);
        for (int i = 0; i < items; i++) {
            switch (rng.nextInt(4)) {
                case 0 -> s.append(WORDS[rng.nextInt(WORDS.length)]);
                case 1 -> s.append(WHITESPACE.charAt(rng.nextInt(WHITESPACE.length())));
                default -> {
                    int[] range = RANGES[rng.nextInt(RANGES.length)];
                    int c = range[0] + rng.nextInt(range[1] - range[0] + 1);
                    if (c < 0xD800 || c > 0xDFFF) s.appendCodePoint(c);
                }
            }
        }
        return s.toString();
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    private static List<String> tokens(int[] ids) {
        return Arrays.stream(ids).mapToObj(ours::token).toList();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F) out.appendCodePoint(c);
            else out.append(String.format("\\u{%X}", c));
        });
        return out.append('"').toString();
    }
}
