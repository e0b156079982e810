package org.peft4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * State of the Union speeches cut into passages: the corpus has no paragraph breaks, so
 * consecutive sentences (split after {@code . ! ?} followed by white space) are joined until a
 * passage holds at least {@code words} words; a shorter tail joins the passage before it.
 */
public final class SotuPassages {
    private SotuPassages() {}

    /** One passage of a speech, with the speech's year. */
    public record Passage(int year, String text) {}

    public static List<Passage> of(Speech speech, int words) {
        if (words < 1) throw new IllegalArgumentException("passages need ≥ 1 word, got " + words);
        List<Passage> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int count = 0;
        for (String sentence : speech.text().strip().split("(?<=[.!?])\\s+")) {
            if (sentence.isBlank()) continue;
            if (!current.isEmpty()) current.append(' ');
            current.append(sentence.strip());
            count += sentence.strip().split("\\s+").length;
            if (count >= words) {
                out.add(new Passage(speech.year(), current.toString()));
                current.setLength(0);
                count = 0;
            }
        }
        if (!current.isEmpty()) {
            if (out.isEmpty()) out.add(new Passage(speech.year(), current.toString()));
            else out.set(out.size() - 1, new Passage(speech.year(), out.getLast().text() + " " + current));
        }
        return out;
    }
}
