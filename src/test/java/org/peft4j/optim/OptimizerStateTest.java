package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.peft4j.tensor.Tensor;

class OptimizerStateTest {

    /** State with buffers "w.m" [3, 7] and "b.m" [7] holding random values, after 4 steps. */
    private static OptimizerState stateAfterFourSteps() {
        var state = new OptimizerState();
        state.allocate("w.m", 3, 7).copyFrom(Tensor.normal(1, 1f, 3, 7));
        state.allocate("b.m", 7).copyFrom(Tensor.normal(2, 1f, 7));
        for (int i = 0; i < 4; i++) state.advance();
        return state;
    }

    private static Map<String, Tensor> savedCopy(OptimizerState state) {
        var saved = new LinkedHashMap<String, Tensor>();
        state.export().forEach((k, t) -> saved.put(k, t.copy()));
        return saved;
    }

    @Test
    void exportsBuffersAndStepAndRestoresThemExactly() {
        OptimizerState source = stateAfterFourSteps();
        Map<String, Tensor> saved = savedCopy(source);
        assertEquals(java.util.List.of("w.m", "b.m", OptimizerState.STEP_KEY), java.util.List.copyOf(saved.keySet()));
        assertEquals((3 * 7 + 7) * Float.BYTES, source.bytes());

        var target = new OptimizerState();
        target.allocate("w.m", 3, 7);
        target.allocate("b.m", 7);
        target.load(saved);
        assertEquals(4, target.steps());
        assertArrayEquals(source.export().get("w.m").toArray(), target.export().get("w.m").toArray());
        assertArrayEquals(source.export().get("b.m").toArray(), target.export().get("b.m").toArray());
        assertEquals(5, target.advance());
    }

    @Test
    void stepCountBeyondFloatPrecisionRoundTripsExactly() {
        long steps = 3L * (1L << 24) + 16_777_215L; // 2^26 − 1: not representable as one float32
        var state = new OptimizerState();
        state.load(Map.of(OptimizerState.STEP_KEY, Tensor.of(new float[] {3, 16_777_215}, 2)));
        assertEquals(steps, state.steps());
        assertArrayEquals(new float[] {3, 16_777_215}, state.export().get(OptimizerState.STEP_KEY).toArray());
    }

    @Test
    void badStateMapsAreRejectedNamingTheEntryAndLeaveStateUnchanged() {
        expectRejected(m -> m.remove("b.m"), "missing [b.m]");
        expectRejected(m -> m.remove(OptimizerState.STEP_KEY), "missing [step]");
        expectRejected(m -> m.put("c.m", Tensor.zeros(2)), "unexpected [c.m]");
        expectRejected(m -> m.put("w.m", Tensor.zeros(7, 3)), "'w.m' has shape [7, 3], expected [3, 7]");
        expectRejected(m -> m.put(OptimizerState.STEP_KEY, Tensor.of(new float[] {5}, 1)), "'step' has shape [1], expected [2]");
        expectRejected(m -> m.put(OptimizerState.STEP_KEY, Tensor.of(new float[] {0, 2.5f}, 2)), "two integers");
        expectRejected(m -> m.put(OptimizerState.STEP_KEY, Tensor.of(new float[] {0, -1}, 2)), "two integers");
        expectRejected(m -> m.put(OptimizerState.STEP_KEY, Tensor.of(new float[] {Float.NaN, 0}, 2)), "two integers");
    }

    private static void expectRejected(Consumer<Map<String, Tensor>> corrupt, String expectedMessagePart) {
        OptimizerState state = stateAfterFourSteps();
        float[] before = state.export().get("w.m").toArray();
        Map<String, Tensor> saved = savedCopy(stateAfterFourSteps());
        saved.get("w.m").fill(42f);
        saved.put(OptimizerState.STEP_KEY, Tensor.of(new float[] {0, 9}, 2));
        corrupt.accept(saved);
        var e = assertThrows(OptimizerStateException.class, () -> state.load(saved));
        assertTrue(e.getMessage().contains(expectedMessagePart), e.getMessage());
        assertArrayEquals(before, state.export().get("w.m").toArray(), "no buffer changed");
        assertEquals(4, state.steps(), "step count unchanged");
    }

    @Test
    void allocatingANameTwiceOrTheStepNameIsAnError() {
        var state = new OptimizerState();
        state.allocate("w.m", 2);
        assertThrows(IllegalArgumentException.class, () -> state.allocate("w.m", 2));
        assertThrows(IllegalArgumentException.class, () -> state.allocate(OptimizerState.STEP_KEY, 2));
    }
}
