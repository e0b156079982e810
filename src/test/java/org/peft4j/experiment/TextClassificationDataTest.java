package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peft4j.data.Split;
import org.peft4j.text.WordPieceTokenizer;
import org.peft4j.train.ClassificationBatches.Example;

/** Tokenising a labelled split for a BERT classifier. */
class TextClassificationDataTest {
    record Review(String text, int stars) {}

    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = WordPieceTokenizer.miniLm().withMaxLength(8);
    }

    private static final Split<Review> SPLIT = new Split<>(
            List.of(new Review("Great phone, would buy again.", 1), new Review("Broke after a day", 0),
                    new Review("meh", 0), new Review("An extraordinarily long review that goes on and on about nothing", 1)),
            List.of(new Review("Works.", 1)),
            List.of(new Review("Terrible café service!", 0), new Review("ok", 1)));

    @Test
    void everyPartIsTokenisedTruncatedAndLabelledInOrder() {
        TextClassificationData data = TextClassificationData.tokenize("reviews", List.of("bad", "good"), SPLIT, Review::text,
                Review::stars, tokenizer);
        assertEquals(List.of("bad", "good"), data.classes());
        assertEquals(7, data.size());
        check(SPLIT.train(), data.train());
        check(SPLIT.validation(), data.validation());
        check(SPLIT.test(), data.test());
        assertEquals(8, data.train().get(3).ids().length, "truncated to the tokenizer's max length");
        assertEquals(3, data.test().get(1).ids().length, "[CLS] ok [SEP]");
    }

    private static void check(List<Review> reviews, List<Example> examples) {
        assertEquals(reviews.size(), examples.size());
        for (int i = 0; i < reviews.size(); i++) {
            assertArrayEquals(tokenizer.encode(reviews.get(i).text()).ids(), examples.get(i).ids(), reviews.get(i).text());
            assertEquals(reviews.get(i).stars(), examples.get(i).label());
        }
    }

    @Test
    void labelsOutsideTheClassesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> TextClassificationData.tokenize("reviews", List.of("bad"), SPLIT,
                Review::text, Review::stars, tokenizer));
        assertEquals("reviews: label 1 is not one of [bad]", e.getMessage());
    }

    @Test
    void splitLimitKeepsTheFirstItemsOfEachPart() {
        Split<Review> two = SPLIT.limit(2);
        assertEquals(SPLIT.train().subList(0, 2), two.train());
        assertEquals(SPLIT.validation(), two.validation());
        assertEquals(SPLIT.test(), two.test());
        assertEquals(0, SPLIT.limit(0).train().size());
        assertThrows(IllegalArgumentException.class, () -> SPLIT.limit(-1));
    }
}
