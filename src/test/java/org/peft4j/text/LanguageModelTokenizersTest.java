package org.peft4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Code-point and compacted GPT-2 tokenizers: round trips, unknown symbols, vocabulary size. */
class LanguageModelTokenizersTest {
    static final String TRAIN = "The Union is strong. Fellow citizens, the state of our Union — café!";

    @Test
    void charTokenizerRoundTripsAndMapsUnseenToZero() {
        CharTokenizer t = CharTokenizer.fit(TRAIN);
        assertEquals((int) TRAIN.codePoints().distinct().count() + 1, t.vocabularySize());
        assertEquals("state of our Union", t.decode(t.encode("state of our Union")));
        int[] ids = t.encode("Union€");
        assertEquals(0, ids[5], "€ was never seen");
        assertTrue(t.decode(ids).endsWith("\uFFFD"));
    }

    @Test
    void charIdsFollowCodePointOrder() {
        CharTokenizer t = CharTokenizer.fit("cab");
        assertArrayEquals(new int[] {1, 2, 3}, t.encode("abc"));
    }

    @Test
    void gpt2TokenizerRoundTripsSeenTextWithACompactVocabulary() {
        Gpt2Tokenizer t = Gpt2Tokenizer.fit(TRAIN);
        assertTrue(t.vocabularySize() < 40, "compacted: " + t.vocabularySize());
        String sample = " the state of our Union";
        assertEquals(sample, t.decode(t.encode(sample)));
        assertEquals(0, t.encode(" zebra")[0], "an unseen BPE id maps to 0");
    }
}
