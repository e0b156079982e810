package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SplitTest {

    /** Item i has stratum strata[i]; items are distinct so the split can be checked as a partition. */
    private record Item(int index, int stratum) {}

    private static List<Item> items(int count, int strata, long seed) {
        var random = new Random(seed);
        return IntStream.range(0, count).mapToObj(i -> new Item(i, random.nextInt(strata))).toList();
    }

    private static Map<Integer, Long> perStratum(List<Item> items) {
        return items.stream().collect(Collectors.groupingBy(Item::stratum, TreeMap::new, Collectors.counting()));
    }

    @Property(tries = 60)
    void partitionsEveryStratumByRoundedFractions(@ForAll @IntRange(min = 1, max = 517) int count,
                                                  @ForAll @IntRange(min = 1, max = 7) int strata,
                                                  @ForAll @DoubleRange(min = 0, max = 0.5) double validation,
                                                  @ForAll @DoubleRange(min = 0, max = 0.5) double test,
                                                  @ForAll long seed) {
        List<Item> items = items(count, strata, seed ^ 0x5EED);
        Split<Item> split = Split.stratified(items, Item::stratum, validation, test, seed);

        List<Item> union = Stream.of(split.train(), split.validation(), split.test()).flatMap(List::stream).toList();
        assertEquals(count, union.size(), "parts must not overlap or lose items");
        assertEquals(new HashSet<>(items), new HashSet<>(union));

        Map<Integer, Long> trainCounts = perStratum(split.train());
        Map<Integer, Long> validationCounts = perStratum(split.validation());
        Map<Integer, Long> testCounts = perStratum(split.test());
        perStratum(items).forEach((stratum, n) -> {
            long expectedTest = Math.round(n * test);
            long expectedValidation = Math.min(Math.round(n * validation), n - expectedTest);
            assertEquals(expectedTest, testCounts.getOrDefault(stratum, 0L), "test count of stratum " + stratum);
            assertEquals(expectedValidation, validationCounts.getOrDefault(stratum, 0L), "validation count of stratum " + stratum);
            assertEquals(n - expectedTest - expectedValidation, trainCounts.getOrDefault(stratum, 0L), "train count of stratum " + stratum);
        });
    }

    @Property(tries = 30)
    void sameSeedGivesSameSplit(@ForAll @IntRange(min = 1, max = 300) int count, @ForAll long seed) {
        List<Item> items = items(count, 3, seed);
        assertEquals(Split.stratified(items, Item::stratum, 0.1, 0.2, seed),
                Split.stratified(new ArrayList<>(items), Item::stratum, 0.1, 0.2, seed));
    }

    @Test
    void otherSeedGivesOtherSplitAndPartsMixStrata() {
        List<Item> items = items(1000, 2, 11);
        Split<Item> first = Split.stratified(items, Item::stratum, 0.1, 0.1, 1);
        Split<Item> second = Split.stratified(items, Item::stratum, 0.1, 0.1, 2);
        assertNotEquals(first.test(), second.test());
        assertNotEquals(new HashSet<>(first.test()), new HashSet<>(second.test()));
        // Shuffled after assembly: the train part does not list one stratum after the other.
        List<Integer> trainStrata = first.train().stream().map(Item::stratum).toList();
        long switches = IntStream.range(1, trainStrata.size()).filter(i -> !trainStrata.get(i).equals(trainStrata.get(i - 1))).count();
        assertTrue(switches > 100, "train part should interleave strata, switches = " + switches);
    }

    @Test
    void fractionsMustBeNonNegativeAndFitInOne() {
        List<Item> items = items(10, 1, 3);
        var negative = assertThrows(IllegalArgumentException.class, () -> Split.stratified(items, Item::stratum, -0.1, 0.1, 0));
        assertTrue(negative.getMessage().contains("validation -0.1"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Split.stratified(items, Item::stratum, 0.6, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Split.stratified(items, Item::stratum, Double.NaN, 0, 0));
    }

    @Test
    void wholeSetToValidationAndTestLeavesTrainEmptyWithoutOverflow() {
        List<Item> items = items(1, 1, 5);
        Split<Item> split = Split.stratified(items, Item::stratum, 0.5, 0.5, 0);
        assertEquals(List.of(), split.train());
        assertEquals(1, split.validation().size() + split.test().size());
    }
}
