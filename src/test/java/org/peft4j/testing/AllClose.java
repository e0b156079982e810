package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.peft4j.tensor.Tensor;

/**
 * Elementwise closeness, as numpy's {@code allclose}: every {@code |actual − expected| ≤ atol + rtol·|expected|}.
 * A failure names the first offending index and the worst relative error, so tolerances can be judged.
 */
public final class AllClose {
    private AllClose() {}

    /** 2⁻²³: twice the relative error bound of one correctly rounded float32 operation. */
    public static final double FLOAT_ULP = 0x1p-23;

    public static void assertAllClose(double[] expected, float[] actual, double rtol, double atol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        int firstBad = -1, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.length; i++) {
            double allowed = atol + rtol * Math.abs(expected[i]);
            double err = Math.abs(actual[i] - expected[i]);
            boolean ok = err <= allowed || (Double.isNaN(expected[i]) && Float.isNaN(actual[i]))
                    || (Double.isInfinite(expected[i]) && actual[i] == expected[i]);
            if (!ok && firstBad < 0) firstBad = i;
            double ratio = allowed > 0 ? err / allowed : (err > 0 ? Double.POSITIVE_INFINITY : 0);
            if (!ok && (worst < 0 || ratio > worstRatio)) {
                worst = i;
                worstRatio = ratio;
            }
        }
        if (firstBad >= 0) {
            fail(String.format("%s: [%d] = %s, expected %s (rtol %.1e, atol %.1e); worst at [%d]: %s vs %s",
                    what, firstBad, actual[firstBad], expected[firstBad], rtol, atol, worst, actual[worst], expected[worst]));
        }
    }

    public static void assertAllClose(double[] expected, Tensor actual, double rtol, double atol, String what) {
        assertAllClose(expected, actual.toArray(), rtol, atol, what);
    }

    /** Same as above with a float32 expectation (e.g. another backend's or thread count's result). */
    public static void assertAllClose(float[] expected, float[] actual, double rtol, double atol, String what) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        assertAllClose(e, actual, rtol, atol, what);
    }
}
