package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.data.DataDirectory;
import org.peft4j.data.Dataset;
import org.peft4j.text.WordPieceTokenizer;
import org.peft4j.train.ClassificationBatches.Example;

/** The SOTU-era task on a hand-made corpus: era labels by year, and no speech's passages in two parts. */
class SotuErasTest {

    @Test
    void labelsByEraAndKeepsEachSpeechInOnePart(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("sotu").resolve("data");
        Files.createDirectories(data);
        Files.writeString(tmp.resolve("sotu").resolve(".fetched"), Dataset.SOTU.npmPackage() + "\n");
        for (int i = 0; i < 20; i++) {
            int year = 1900 + 10 * i; // 1900 … 2090: 5 speeches before 1950, 15 from it on
            String word = "w" + year;
            String text = String.join(" ", java.util.Collections.nCopies(6, word + " " + word + ".")); // 12 words, 6 sentences
            Files.writeString(data.resolve(year + "_p_x.json"),
                    "{\"year\": " + year + ", \"name\": \"p\", \"party\": \"x\", \"text\": \"" + text + "\"}");
        }
        WordPieceTokenizer tokenizer = WordPieceTokenizer.miniLm().withMaxLength(16);
        TextClassificationData d = TextClassificationData.sotuEras(new DataDirectory(tmp), tokenizer, 1950, 4, 7, 0);
        assertEquals(List.of("before 1950", "1950 on"), d.classes());
        assertEquals(20 * 3, d.size(), "three 4-word passages per speech");
        List<Set<String>> speeches = List.of(speeches(d.train(), tokenizer), speeches(d.validation(), tokenizer), speeches(d.test(), tokenizer));
        // per era: round(n/10) speeches to test and to validation (5 before 1950: 1 + 1; 15 from 1950: 2 + 2)
        assertEquals(14, speeches.get(0).size());
        assertEquals(3, speeches.get(1).size());
        assertEquals(3, speeches.get(2).size());
        for (int a = 0; a < 3; a++) for (int b = a + 1; b < 3; b++) assertTrue(java.util.Collections.disjoint(speeches.get(a), speeches.get(b)));
        for (List<Example> part : List.of(d.train(), d.validation(), d.test())) {
            for (Example e : part) {
                int year = Integer.parseInt(year(e, tokenizer));
                assertEquals(year < 1950 ? 0 : 1, e.label(), "passage of " + year);
            }
        }
    }

    /** The year written into every word of the passage (its only digits). */
    private static String year(Example e, WordPieceTokenizer tokenizer) {
        StringBuilder sb = new StringBuilder();
        for (int id : e.ids()) sb.append(tokenizer.token(id));
        return sb.toString().replaceAll("\\D", "").substring(0, 4);
    }

    private static Set<String> speeches(List<Example> part, WordPieceTokenizer tokenizer) {
        Set<String> out = new HashSet<>();
        for (Example e : part) out.add(year(e, tokenizer));
        return out;
    }
}
