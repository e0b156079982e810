package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;

class SgdMomentumTest {
    private static final JvmBackend OPS = new JvmBackend(1);

    @AfterAll
    static void close() { OPS.close(); }

    /**
     * torch.optim.SGD (dampening 0) in double: d = g + λθ; b = μb + d (b₁ = d); θ −= lr·(nesterov ? d + μb : b),
     * or θ −= lr·d without momentum. Five steps of float32 stay within 1e-6 of it; the second group has its
     * own lr multiplier and no weight decay; the frozen parameter never moves.
     */
    @ParameterizedTest(name = "momentum={0} nesterov={1} weightDecay={2}")
    @CsvSource({"0.9, false, 0.01", "0.9, true, 0.01", "0.5, true, 0", "0, false, 0.05"})
    void fiveStepsMatchDoublePrecisionTorchReference(double momentum, boolean nesterov, double weightDecay) {
        List<ParameterGroup> groups = List.of(
                new ParameterGroup("decay", List.of(
                        RandomParameters.trainable("w1", 1, 7, 3),
                        RandomParameters.frozen("frozen", 2, 33)), 1, weightDecay),
                new ParameterGroup("head", List.of(RandomParameters.trainable("w2", 3, 65)), 2, 0));
        List<Parameter> all = RandomParameters.allOf(groups);
        double[][] theta = RandomParameters.values(all), initial = RandomParameters.values(all);
        double[][] buffer = new double[all.size()][];
        for (int i = 0; i < all.size(); i++) buffer[i] = new double[theta[i].length];
        var sgd = new SgdMomentum(groups, momentum, nesterov);

        for (int step = 0; step < 5; step++) {
            RandomParameters.fillGradients(all, step, 1f);
            double baseLr = 0.05 / (1 + step);
            for (int i = 0; i < all.size(); i++) {
                Parameter p = all.get(i);
                if (!p.trainable()) continue;
                boolean head = p.name().equals("w2");
                double lr = baseLr * (head ? 2 : 1), wd = head ? 0 : weightDecay;
                for (int j = 0; j < theta[i].length; j++) {
                    double d = p.grad().at(j) + wd * theta[i][j];
                    double update = d;
                    if (momentum > 0) {
                        buffer[i][j] = step == 0 ? d : momentum * buffer[i][j] + d;
                        update = nesterov ? d + momentum * buffer[i][j] : buffer[i][j];
                    }
                    theta[i][j] -= lr * update;
                }
            }
            sgd.step(OPS, baseLr);
        }

        for (int i = 0; i < all.size(); i++) {
            Parameter p = all.get(i);
            double[] actual = RandomParameters.values(List.of(p))[0];
            if (!p.trainable()) {
                assertArrayEquals(initial[i], actual, 0.0, "frozen parameter untouched");
                continue;
            }
            assertArrayEquals(theta[i], actual, 1e-6, p.name());
            if (momentum > 0) {
                double[] savedBuffer = new double[theta[i].length];
                for (int j = 0; j < savedBuffer.length; j++) savedBuffer[j] = sgd.state().get(p.name() + ".momentum_buffer").at(j);
                assertArrayEquals(buffer[i], savedBuffer, 1e-5, p.name() + ".momentum_buffer");
            }
            assertTrue(Math.abs(theta[i][0] - initial[i][0]) > 1e-3, p.name() + " moved");
        }
        assertEquals(5, sgd.steps());
    }

    @Test
    void momentumBuffersOnlyForTrainableParametersAndOnlyWithMomentum() {
        List<ParameterGroup> groups = List.of(new ParameterGroup("all", List.of(
                RandomParameters.trainable("w", 1, 3, 7), RandomParameters.frozen("f", 2, 5)), 1, 0));
        var withMomentum = new SgdMomentum(groups, 0.9, false);
        assertEquals(List.of("w.momentum_buffer", OptimizerState.STEP_KEY), List.copyOf(withMomentum.state().keySet()));
        assertEquals(3 * 7 * Float.BYTES, withMomentum.stateBytes());
        var plain = new SgdMomentum(groups, 0, false);
        assertEquals(List.of(OptimizerState.STEP_KEY), List.copyOf(plain.state().keySet()));
        assertEquals(0, plain.stateBytes());
    }

    @Test
    void rejectsBadHyperParameters() {
        List<ParameterGroup> groups = List.of(new ParameterGroup("all", List.of(RandomParameters.trainable("w", 1, 3)), 1, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(groups, -0.1, false));
        assertTrue(e.getMessage().contains("momentum"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(groups, 0, true));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        var sgd = new SgdMomentum(groups, 0.9, true);
        assertThrows(IllegalArgumentException.class, () -> sgd.step(OPS, -0.01));
    }
}
