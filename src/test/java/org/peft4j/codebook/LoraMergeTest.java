package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** Merging LoRAs: ΔW of cat and linear against their formulas, LEGO's limits and reweightings. */
class LoraMergeTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    private static LoraFile.Factors random(long seed, int r, int in, int out, float scaling) {
        return new LoraFile.Factors(Tensor.normal(seed, 1f, r, in), Tensor.normal(seed + 1, 1f, out, r), scaling);
    }

    private static List<Map<String, LoraFile.Factors>> twoAdapters(int r1, int r2) {
        return List.of(Map.of("q", random(1, r1, 7, 5, 2f), "v", random(3, r1, 7, 3, 2f)),
                Map.of("q", random(5, r2, 7, 5, 0.5f), "v", random(7, r2, 7, 3, 0.5f)));
    }

    private static void assertDeltaEquals(double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tolerance * (1 + Math.abs(expected[i])), "ΔW[" + i + "]");
    }

    @Test
    void catIsTheWeightedSumOfDeltas() {
        var sources = twoAdapters(3, 5);
        var merged = LoraMerge.merge(OPS, sources, List.of(0.7, 1.3), LoraMerge.Method.CAT, null);
        for (String module : List.of("q", "v")) {
            double[] one = sources.get(0).get(module).delta(), two = sources.get(1).get(module).delta();
            double[] expected = new double[one.length];
            for (int i = 0; i < one.length; i++) expected[i] = 0.7 * one[i] + 1.3 * two[i];
            assertEquals(8, merged.get(module).rank());
            assertEquals(1f, merged.get(module).scaling());
            assertDeltaEquals(expected, merged.get(module).delta(), 1e-5);
        }
    }

    @Test
    void linearSumsTheScaledFactors() {
        var sources = twoAdapters(3, 3);
        var merged = LoraMerge.merge(OPS, sources, List.of(1.0, 0.25), LoraMerge.Method.LINEAR, null);
        LoraFile.Factors f1 = sources.get(0).get("q"), f2 = sources.get(1).get("q");
        Tensor a = merged.get("q").a();
        for (int i = 0; i < a.size(); i++) {
            assertEquals(Math.sqrt(2.0) * f1.a().at(i) + Math.sqrt(0.25 * 0.5) * f2.a().at(i), a.at(i), 1e-5);
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> LoraMerge.merge(OPS, twoAdapters(3, 5), List.of(1.0, 1.0), LoraMerge.Method.LINEAR, null));
        assertTrue(e.getMessage().contains("equal ranks"), e.getMessage());
    }

    @Test
    void legoWithKEqualToTotalRankAndNoReweightingEqualsConcatenation() {
        var sources = twoAdapters(3, 4);
        var cat = LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.CAT, null);
        var lego = LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.LEGO, new LoraMerge.Lego(7, false, false, 10, 3));
        for (String module : List.of("q", "v")) {
            assertEquals(7, lego.get(module).rank());
            assertDeltaEquals(cat.get(module).delta(), lego.get(module).delta(), 1e-5);
        }
    }

    @Test
    void parameterReweightingRestoresTheMeanMemberNorm() {
        // two nearly parallel units of norms 1 and 3 (a-part) merge into one of norm 2 (the mean), not |mean vector| ≈ 2 ± noise
        Tensor a1 = Tensor.of(new float[] {1, 0, 0}, 1, 3), a2 = Tensor.of(new float[] {0, 3, 0}, 1, 3);
        Tensor b1 = Tensor.of(new float[] {2, 0}, 2, 1), b2 = Tensor.of(new float[] {0, 4}, 2, 1);
        var sources = List.of(Map.of("q", new LoraFile.Factors(a1, b1, 1f)), Map.of("q", new LoraFile.Factors(a2, b2, 1f)));
        var plain = LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.LEGO, new LoraMerge.Lego(1, false, false, 5, 1)).get("q");
        var reweighted = LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.LEGO, new LoraMerge.Lego(1, true, false, 5, 1)).get("q");
        var both = LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.LEGO, new LoraMerge.Lego(1, true, true, 5, 1)).get("q");
        assertEquals(0.5f, plain.a().at(0), 1e-6);
        assertEquals(1.5f, plain.a().at(1), 1e-6);
        assertEquals(2.0, norm(reweighted.a()), 1e-5);
        assertEquals(3.0, norm(reweighted.b()), 1e-5);
        // output reweighting: ΔW scaled by √(r̄/k) = 1 here (r̄ = k = 1)
        assertDeltaEquals(reweighted.delta(), both.delta(), 1e-6);
        var wide = LoraMerge.merge(OPS, twoAdapters(4, 4), List.of(1.0, 1.0), LoraMerge.Method.LEGO, new LoraMerge.Lego(8, false, true, 5, 1)).get("q");
        var cat = LoraMerge.merge(OPS, twoAdapters(4, 4), List.of(1.0, 1.0), LoraMerge.Method.CAT, null).get("q");
        double[] expected = cat.delta();
        for (int i = 0; i < expected.length; i++) expected[i] *= Math.sqrt(4.0 / 8);
        assertDeltaEquals(expected, wide.delta(), 1e-5);
    }

    @Test
    void rejectsMismatchedAdapters() {
        var sources = List.of(Map.of("q", random(1, 2, 7, 5, 1f)), Map.of("v", random(2, 2, 7, 5, 1f)));
        assertThrows(IllegalArgumentException.class, () -> LoraMerge.merge(OPS, sources, List.of(1.0, 1.0), LoraMerge.Method.CAT, null));
        var shapes = List.of(Map.of("q", random(1, 2, 7, 5, 1f)), Map.of("q", random(2, 2, 6, 5, 1f)));
        assertThrows(IllegalArgumentException.class, () -> LoraMerge.merge(OPS, shapes, List.of(1.0, 1.0), LoraMerge.Method.CAT, null));
        var e = assertThrows(IllegalArgumentException.class, () -> LoraMerge.merge(OPS, twoAdapters(2, 2), List.of(1.0, 1.0),
                LoraMerge.Method.LEGO, new LoraMerge.Lego(5, true, true, 5, 1)));
        assertTrue(e.getMessage().contains("k must lie in [1, 4]"), e.getMessage());
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) s += (double) t.at(i) * t.at(i);
        return Math.sqrt(s);
    }
}
