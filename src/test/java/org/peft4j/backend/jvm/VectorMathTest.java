package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The lane functions against java.lang.Math in double. */
class VectorMathTest {

    @Test
    void expIsWithinFourUlpOverTheWholeFiniteRange() {
        SplittableRandom rng = new SplittableRandom(1);
        float[] x = new float[VectorMath.LANES];
        double worst = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 175 - 87);
            float[] y = VectorMath.exp(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
            for (int i = 0; i < x.length; i++) {
                double exact = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - exact) / Math.ulp((float) exact));
            }
        }
        assertTrue(worst <= 4, "worst error " + worst + " ulp");
    }

    @Test
    void expSaturatesOutsideTheRange() {
        float[] x = new float[VectorMath.LANES];
        java.util.Arrays.fill(x, -200f);
        x[0] = 0f;
        float[] y = VectorMath.exp(FloatVector.fromArray(VectorMath.F, x, 0)).toArray();
        assertEquals(1f, y[0], 0f);
        assertEquals(0f, y[1], 0f);
    }

    @Test
    void sumLanesAddsInLaneOrder() {
        float[] x = new float[VectorMath.LANES];
        x[0] = 1e8f;
        x[1] = 1f;
        x[2] = -1e8f;
        float expected = 0f;
        for (float v : x) expected += v;
        assertEquals(expected, VectorMath.sumLanes(FloatVector.fromArray(VectorMath.F, x, 0)), 0f);
    }
}
