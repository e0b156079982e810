package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

class AdamWOptimizerTest {
    private static final JvmBackend OPS = new JvmBackend(1);
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private static final double DECAY = 0.1, NO_DECAY_MULTIPLIER = 0.5;

    @AfterAll
    static void close() { OPS.close(); }

    /** Decay group: two matrices and a frozen one; no-decay group (lr × 0.5): a bias and a single value. */
    private static List<ParameterGroup> groups() {
        return List.of(
                new ParameterGroup("decay", List.of(
                        RandomParameters.trainable("a.weight", 1, 7, 33),
                        RandomParameters.frozen("frozen.weight", 2, 3, 7),
                        RandomParameters.trainable("b.weight", 3, 65, 3)), 1, DECAY),
                new ParameterGroup("no_decay", List.of(
                        RandomParameters.trainable("a.bias", 4, 33),
                        RandomParameters.trainable("c", 5, 1)), NO_DECAY_MULTIPLIER, 0));
    }

    /** A learning rate that changes every step, as under a schedule. */
    private static double lr(long completedSteps) { return 0.02 * (1 + 0.25 * completedSteps); }

    /** Gradient scale alternates between O(1) and O(1e-3) steps, so ε and the moments' history matter. */
    private static float gradScale(int step) { return step % 2 == 0 ? 1f : 1e-3f; }

    /**
     * Kernel and the relative tolerance of exp_avg_sq: the fused backend kernel takes β2 as float32, and
     * 1 − 0.999f is 1.3e-5 away from 0.001 relatively; torch order derives 1 − β2 in double.
     */
    static Stream<Arguments> kernels() {
        return Stream.of(Arguments.of("torch order", AdamWKernel.TORCH_ORDER_ON_HOST, 1e-6),
                Arguments.of("backend fused", AdamWKernel.BACKEND_FUSED, 2e-5));
    }

    /**
     * torch.optim.AdamW in double precision: θ ← θ(1 − lr·λ); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
     * θ ← θ − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε). Over five steps float32 θ stays within 1e-6 of it (about 2e-7 seen),
     * exp_avg within 1e-6 of the magnitude of its terms (it may cancel), exp_avg_sq within {@code vTolerance}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void fiveStepsMatchDoublePrecisionTorchReference(String label, AdamWKernel kernel, double vTolerance) {
        List<ParameterGroup> groups = groups();
        List<Parameter> all = RandomParameters.allOf(groups);
        double[][] theta = RandomParameters.values(all);
        double[][] frozenBefore = RandomParameters.values(all);
        double[][] m = new double[all.size()][], v = new double[all.size()][], mTerms = new double[all.size()][];
        for (int i = 0; i < all.size(); i++) {
            m[i] = new double[theta[i].length];
            v[i] = new double[theta[i].length];
            mTerms[i] = new double[theta[i].length];
        }
        var optimizer = new AdamWOptimizer(groups, AdamWOptimizer.Settings.TORCH_DEFAULTS, kernel);

        for (int step = 0; step < 5; step++) {
            RandomParameters.fillGradients(all, step, gradScale(step));
            double baseLr = lr(optimizer.steps());
            int t = step + 1;
            for (int i = 0; i < all.size(); i++) {
                Parameter p = all.get(i);
                if (!p.trainable()) continue;
                boolean decayGroup = groups.getFirst().parameters().contains(p);
                double lr = baseLr * (decayGroup ? 1 : NO_DECAY_MULTIPLIER), wd = decayGroup ? DECAY : 0;
                double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
                for (int j = 0; j < theta[i].length; j++) {
                    double g = p.grad().at(j);
                    theta[i][j] *= 1 - lr * wd;
                    m[i][j] = BETA1 * m[i][j] + (1 - BETA1) * g;
                    mTerms[i][j] = BETA1 * mTerms[i][j] + (1 - BETA1) * Math.abs(g);
                    v[i][j] = BETA2 * v[i][j] + (1 - BETA2) * g * g;
                    theta[i][j] -= lr / bc1 * m[i][j] / (Math.sqrt(v[i][j]) / Math.sqrt(bc2) + EPS);
                }
            }
            optimizer.step(OPS, baseLr);
        }

        assertEquals(5, optimizer.steps());
        Map<String, Tensor> state = optimizer.state();
        for (int i = 0; i < all.size(); i++) {
            Parameter p = all.get(i);
            if (!p.trainable()) {
                assertArrayEquals(frozenBefore[i], RandomParameters.values(List.of(p))[0], 0.0, p.name() + " is frozen");
                continue;
            }
            for (int j = 0; j < theta[i].length; j++) {
                String at = label + ": " + p.name() + "[" + j + "]";
                assertEquals(theta[i][j], p.value().at(j), 1e-6, at);
                assertEquals(m[i][j], state.get(p.name() + ".exp_avg").at(j), 1e-6 * mTerms[i][j], at + " exp_avg");
                assertEquals(v[i][j], state.get(p.name() + ".exp_avg_sq").at(j), vTolerance * v[i][j], at + " exp_avg_sq");
            }
            assertTrue(Math.abs(theta[i][0] - frozenBefore[i][0]) > 1e-3, p.name() + " moved");
        }
    }

    @Test
    void frozenParametersHoldNoStateAndStateBytesCountTwoMomentsPerTrainableValue() {
        var optimizer = new AdamWOptimizer(groups());
        assertEquals(List.of("a.weight.exp_avg", "a.weight.exp_avg_sq", "b.weight.exp_avg", "b.weight.exp_avg_sq",
                "a.bias.exp_avg", "a.bias.exp_avg_sq", "c.exp_avg", "c.exp_avg_sq", OptimizerState.STEP_KEY),
                List.copyOf(optimizer.state().keySet()));
        assertEquals(2L * Float.BYTES * (7 * 33 + 65 * 3 + 33 + 1), optimizer.stateBytes());
    }

    @Test
    void resumingFromSavedStateIsBitIdenticalToAnUninterruptedRun() {
        List<ParameterGroup> uninterrupted = groups();
        List<Parameter> reference = RandomParameters.allOf(uninterrupted);
        var straight = new AdamWOptimizer(uninterrupted);
        for (int step = 0; step < 5; step++) {
            RandomParameters.fillGradients(reference, step, gradScale(step));
            straight.step(OPS, lr(straight.steps()));
        }

        List<ParameterGroup> first = groups();
        var before = new AdamWOptimizer(first);
        for (int step = 0; step < 2; step++) {
            RandomParameters.fillGradients(RandomParameters.allOf(first), step, gradScale(step));
            before.step(OPS, lr(before.steps()));
        }
        Map<String, Tensor> checkpoint = new HashMap<>();
        before.state().forEach((k, t) -> checkpoint.put(k, t.copy()));
        List<Parameter> restored = RandomParameters.copies(RandomParameters.allOf(first));
        List<ParameterGroup> resumedGroups = List.of(
                new ParameterGroup("decay", restored.subList(0, 3), 1, DECAY),
                new ParameterGroup("no_decay", restored.subList(3, 5), NO_DECAY_MULTIPLIER, 0));
        var resumed = new AdamWOptimizer(resumedGroups);
        resumed.loadState(checkpoint);
        assertEquals(2, resumed.steps());
        for (int step = 2; step < 5; step++) {
            RandomParameters.fillGradients(restored, step, gradScale(step));
            resumed.step(OPS, lr(resumed.steps()));
        }

        assertEquals(straight.steps(), resumed.steps());
        for (int i = 0; i < reference.size(); i++) {
            assertArrayEquals(bits(reference.get(i).value()), bits(restored.get(i).value()), reference.get(i).name());
        }
        Map<String, Tensor> a = straight.state(), b = resumed.state();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, t) -> assertArrayEquals(bits(t), bits(b.get(k)), k));
    }

    @Test
    void rejectsBadHyperParameters() {
        var e = assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer.Settings(1.0, 0.999, 1e-8));
        assertTrue(e.getMessage().contains("beta1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer.Settings(0.9, -0.1, 1e-8));
        assertTrue(e.getMessage().contains("beta2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer.Settings(Double.NaN, 0.999, 1e-8));
        e = assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer.Settings(0.9, 0.999, -1e-8));
        assertTrue(e.getMessage().contains("eps"), e.getMessage());

        var optimizer = new AdamWOptimizer(groups());
        for (double lr : new double[] {-1e-3, Double.NaN, Double.POSITIVE_INFINITY}) {
            e = assertThrows(IllegalArgumentException.class, () -> optimizer.step(OPS, lr));
            assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        }
        assertEquals(0, optimizer.steps(), "a rejected step does not count");

        Parameter shared = RandomParameters.trainable("shared.weight", 9, 3, 3);
        e = assertThrows(IllegalArgumentException.class, () -> new AdamWOptimizer(List.of(
                new ParameterGroup("x", List.of(shared), 1, 0), new ParameterGroup("y", List.of(shared), 1, 0))));
        assertTrue(e.getMessage().contains("shared.weight"), e.getMessage());
    }

    static int[] bits(Tensor t) {
        float[] v = t.toArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
