package org.peft4j.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/** A dataset cut into disjoint train, validation and test parts (any part may be empty). */
public record Split<T>(List<T> train, List<T> validation, List<T> test) {

    public Split {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }

    /** At most {@code n} items of each part, from its start (parts are shuffled, so a random sample of each). */
    public Split<T> limit(int n) {
        if (n < 0) throw new IllegalArgumentException("limit must be >= 0, got " + n);
        return new Split<>(train.subList(0, Math.min(n, train.size())), validation.subList(0, Math.min(n, validation.size())),
                test.subList(0, Math.min(n, test.size())));
    }

    /**
     * A seeded stratified split. Within each stratum (in ascending stratum order) the items are
     * shuffled by {@code new Random(seed)}; the first {@code round(n·testFraction)} go to test, the
     * next {@code round(n·validationFraction)} (at most what is left) to validation, the rest to
     * train. Each part is then shuffled with the same generator, so its order mixes strata. The same
     * items in the same order with the same seed always give the same split.
     */
    public static <T> Split<T> stratified(List<T> items, ToIntFunction<? super T> stratum,
                                          double validationFraction, double testFraction, long seed) {
        if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction <= 1)) {
            throw new IllegalArgumentException("split fractions must be >= 0 and sum to <= 1: validation "
                    + validationFraction + ", test " + testFraction);
        }
        var strata = new TreeMap<Integer, List<T>>();
        for (T item : items) strata.computeIfAbsent(stratum.applyAsInt(item), k -> new ArrayList<>()).add(item);

        var random = new Random(seed);
        List<T> train = new ArrayList<>(), validation = new ArrayList<>(), test = new ArrayList<>();
        for (List<T> members : strata.values()) {
            Collections.shuffle(members, random);
            int n = members.size();
            int nTest = (int) Math.round(n * testFraction);
            int nValidation = Math.min((int) Math.round(n * validationFraction), n - nTest);
            test.addAll(members.subList(0, nTest));
            validation.addAll(members.subList(nTest, nTest + nValidation));
            train.addAll(members.subList(nTest + nValidation, n));
        }
        Collections.shuffle(train, random);
        Collections.shuffle(validation, random);
        Collections.shuffle(test, random);
        return new Split<>(train, validation, test);
    }
}
