package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Values at key steps, worked out by hand from the Hugging Face formulas (peak 3e-4, W = 10, T = 110). */
class LearningRateScheduleTest {
    private static final double PEAK = 3e-4, TOL = 1e-18;

    @Test
    void constantIsTheSameAtEveryStep() {
        var constant = new LearningRateSchedule.Constant(PEAK);
        assertEquals(PEAK, constant.at(0));
        assertEquals(PEAK, constant.at(1_000_000));
    }

    @Test
    void linearWarmupThenLinearDecayToZero() {
        var linear = new LearningRateSchedule.LinearWarmupDecay(PEAK, 10, 110);
        assertEquals(0.0, linear.at(0), "first update of a warmup runs at lr 0, as in HF");
        assertEquals(PEAK * 0.3, linear.at(3), TOL);
        assertEquals(PEAK, linear.at(10), TOL, "warmup end");
        assertEquals(PEAK * 0.5, linear.at(60), TOL, "middle of the decay");
        assertEquals(PEAK * 0.01, linear.at(109), TOL, "last update");
        assertEquals(0.0, linear.at(110), "end");
        assertEquals(0.0, linear.at(500), "past the end");
    }

    @Test
    void warmupThenCosine() {
        var cosine = new LearningRateSchedule.WarmupCosine(PEAK, 10, 110, 0);
        assertEquals(0.0, cosine.at(0));
        assertEquals(PEAK * 0.5, cosine.at(5), TOL);
        assertEquals(PEAK, cosine.at(10), TOL, "warmup end");
        assertEquals(PEAK * (0.5 + Math.sqrt(0.5) / 2), cosine.at(35), 1e-15, "quarter: ½(1 + cos π/4)");
        assertEquals(PEAK * 0.5, cosine.at(60), 1e-15, "middle");
        assertEquals(0.0, cosine.at(110), 1e-15, "end");
    }

    @Test
    void cosineWithMinimumLearningRateRatio() {
        var cosine = new LearningRateSchedule.WarmupCosine(PEAK, 10, 110, 0.1);
        assertEquals(PEAK, cosine.at(10), TOL);
        assertEquals(PEAK * (0.5 * 0.9 + 0.1), cosine.at(60), 1e-15, "middle: ½·(1 − r) + r");
        assertEquals(PEAK * 0.1, cosine.at(110), 1e-15, "end: r·peak");
        assertEquals(PEAK * 0.1, cosine.at(200), 1e-15, "holds the floor past the end");
    }

    @Test
    void zeroWarmupStartsAtThePeak() {
        assertEquals(PEAK, new LearningRateSchedule.LinearWarmupDecay(PEAK, 0, 7).at(0), TOL);
        assertEquals(PEAK, new LearningRateSchedule.WarmupCosine(PEAK, 0, 7, 0).at(0), TOL);
    }

    @Test
    void rejectsBadArguments() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(-1e-3));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.LinearWarmupDecay(PEAK, 20, 10));
        assertTrue(e.getMessage().contains("warmupSteps=20"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupCosine(PEAK, -1, 10, 0));
        e = assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupCosine(PEAK, 1, 10, 1.5));
        assertTrue(e.getMessage().contains("minLrRatio"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.WarmupCosine(Double.NaN, 1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(PEAK).at(-1));
    }
}
