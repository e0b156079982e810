package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs on the fetched corpus ({@code scripts/fetch-data sotu}); a missing corpus fails with that command. */
class SotuTest {
    private static List<Speech> speeches;

    @BeforeAll
    static void load() {
        speeches = Sotu.load(DataDirectory.resolve());
    }

    @Test
    void corpusHas233AddressesFromWashingtonToBiden() {
        assertEquals(233, speeches.size());
        assertEquals(new Speech(1790, "George Washington", "none", speeches.getFirst().text()), speeches.getFirst());
        assertEquals(2021, speeches.getLast().year());
        assertEquals("Joseph R Biden", speeches.getLast().president());
        assertEquals(43, speeches.stream().map(Speech::president).distinct().count());
        assertEquals(10_759_831L, speeches.stream().mapToLong(s -> s.text().length()).sum());
        assertTrue(speeches.getFirst().text().startsWith("Fellow-Citizens of the Senate and House of Representatives:"));
        assertTrue(speeches.stream().allMatch(s -> s.text().length() > 5000), "every address is a long text");
    }

    @Test
    void speechesAreInYearOrderWithTwoAddressesIn1953And1961() {
        for (int i = 1; i < speeches.size(); i++) {
            assertTrue(speeches.get(i - 1).year() <= speeches.get(i).year(), "order broken at " + i);
        }
        assertEquals(List.of("Dwight D Eisenhower", "Harry S Truman"),
                speeches.stream().filter(s -> s.year() == 1953).map(Speech::president).toList());
        assertEquals(List.of("Dwight D Eisenhower", "John F Kennedy"),
                speeches.stream().filter(s -> s.year() == 1961).map(Speech::president).toList());
    }

    @Test
    void splitHoldsOutTenPercentOfWholeSpeechesDeterministically() {
        Split<Speech> split = Sotu.split(speeches, 2024);
        assertEquals(23, split.validation().size());
        assertEquals(210, split.train().size());
        assertEquals(List.of(), split.test());
        var all = new HashSet<>(split.train());
        all.addAll(split.validation());
        assertEquals(new HashSet<>(speeches), all, "train and validation must partition the corpus");

        assertEquals(split, Sotu.split(List.copyOf(speeches), 2024));
        assertNotEquals(new HashSet<>(split.validation()), new HashSet<>(Sotu.split(speeches, 2025).validation()));
    }

    @Test
    void malformedJsonNamesTheFile(@TempDir Path root) throws IOException {
        Path data = FetchedFolders.create(root, Dataset.SOTU, "data");
        Files.writeString(data.resolve("1790_george_washington_n.json"), "{\"year\": 1790, \"name\": \"George Washington\",");
        var malformed = assertThrows(MalformedDatasetException.class, () -> Sotu.load(new DataDirectory(root)));
        assertEquals(data.resolve("1790_george_washington_n.json"), malformed.file());
        assertTrue(malformed.getMessage().contains("1790_george_washington_n.json: malformed JSON at line 1"), malformed.getMessage());
    }

    @Test
    void missingOrMistypedFieldIsNamed(@TempDir Path root) throws IOException {
        Path data = FetchedFolders.create(root, Dataset.SOTU, "data");
        Path file = data.resolve("1800_john_adams_f.json");
        Files.writeString(file, "{\"year\": 1800, \"name\": \"John Adams\", \"party\": \"Federalist\"}");
        var noText = assertThrows(MalformedDatasetException.class, () -> Sotu.load(new DataDirectory(root)));
        assertTrue(noText.getMessage().endsWith("1800_john_adams_f.json: field \"text\" must be a string, found null"), noText.getMessage());

        Files.writeString(file, "{\"year\": \"1800\", \"name\": \"John Adams\", \"party\": \"Federalist\", \"text\": \"x\"}");
        var textYear = assertThrows(MalformedDatasetException.class, () -> Sotu.load(new DataDirectory(root)));
        assertTrue(textYear.getMessage().contains("field \"year\" must be an integer, found \"1800\""), textYear.getMessage());

        Files.writeString(file, "[1800]");
        var array = assertThrows(MalformedDatasetException.class, () -> Sotu.load(new DataDirectory(root)));
        assertTrue(array.getMessage().endsWith("expected a JSON object"), array.getMessage());
    }

    @Test
    void missingDataFolderIsNamed(@TempDir Path root) throws IOException {
        Path folder = FetchedFolders.create(root, Dataset.SOTU, ".");
        var missing = assertThrows(MalformedDatasetException.class, () -> Sotu.load(new DataDirectory(root)));
        assertEquals(folder.resolve("data").normalize(), missing.file().normalize());
        assertTrue(missing.getMessage().endsWith("data: missing"), missing.getMessage());
    }

    @Test
    void invalidUtf8InTextBecomesReplacementCharacters(@TempDir Path root) throws IOException {
        Path data = FetchedFolders.create(root, Dataset.SOTU, "data");
        // ISO-8859-1 writes every character below U+0100 as that one byte: here the invalid UTF-8 byte 0xFF.
        byte[] json = ("{\"year\": 1801, \"name\": \"Thomas Jefferson\", \"party\": \"Democratic-Republican\", "
                + "\"text\": \"caf\u00FF\"}").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(data.resolve("1801_thomas_jefferson_d.json"), json);
        assertEquals(List.of(new Speech(1801, "Thomas Jefferson", "Democratic-Republican", "caf\uFFFD")),
                Sotu.load(new DataDirectory(root)));
    }
}
