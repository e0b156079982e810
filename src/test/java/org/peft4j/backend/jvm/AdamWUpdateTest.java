package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.AdamW;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;

/**
 * Six AdamW steps (bias correction changes every step) against the formula of {@link AdamW} in
 * double, with fresh gradients each step, some of them tiny so that ε matters. Tolerance:
 * relative 1e-5 plus absolute 1e-7 on θ, m and v (float rounding of a handful of operations per
 * step, carried over six steps).
 */
class AdamWUpdateTest {

    static Stream<Arguments> sizes() {
        return TestBackends.threadsAndSizes(TestBackends.SIZES);
    }

    @ParameterizedTest(name = "threads={0} n={1}")
    @MethodSource("sizes")
    void stepsMatchTheFormula(int threads, int n) {
        Tensor param = GuardedViews.offsetCopy(Tensor.uniform(n + 1L, 1f, n));
        Tensor m = GuardedViews.offsetCopy(Tensor.zeros(n)), v = GuardedViews.offsetCopy(Tensor.zeros(n));
        double[] p = ReferenceOps.toDouble(param), md = new double[n], vd = new double[n];
        for (int step = 1; step <= 6; step++) {
            Tensor grad = Tensor.uniform(n * 10L + step, 2f, n);
            for (int i = 0; i < n; i += 5) grad.put(i, grad.at(i) * 1e-7f);
            AdamW h = new AdamW(1e-2f, 0.9f, 0.999f, 1e-6f, 0.1f, step);
            TestBackends.threads(threads).adamW(param, GuardedViews.offsetCopy(grad), m, v, h);
            ReferenceOps.adamW(p, ReferenceOps.toDouble(grad), md, vd, h);
            assertAllClose(md, m, 1e-5, 1e-7, "m after step " + step);
            assertAllClose(vd, v, 1e-5, 1e-7, "v after step " + step);
            assertAllClose(p, param, 1e-5, 1e-7, "param after step " + step);
        }
        GuardedViews.assertGuardsIntact(param, "adamW param");
        GuardedViews.assertGuardsIntact(m, "adamW m");
        GuardedViews.assertGuardsIntact(v, "adamW v");
    }

    /**
     * {@code clippedAdamW} with its hyper-parameters in a tensor: the gradient scaled by
     * min(1, maxNorm/(‖g‖ + 1e-6)) first (clipping on, and off when the norm is below maxNorm or
     * maxNorm is 0), then the formula; a NaN or infinite norm² changes nothing.
     */
    @ParameterizedTest(name = "maxNorm={0}")
    @org.junit.jupiter.params.provider.ValueSource(doubles = {0.0, 0.5, 1e6})
    void clippedStepsScaleTheGradientByTheGlobalNorm(double maxNorm) {
        int n = 37;
        Tensor param = Tensor.uniform(5, 1f, n), m = Tensor.zeros(n), v = Tensor.zeros(n), hyper = Tensor.zeros(AdamW.TENSOR_SIZE);
        double[] p = ReferenceOps.toDouble(param), md = new double[n], vd = new double[n];
        for (int step = 1; step <= 3; step++) {
            Tensor grad = Tensor.uniform(100 + step, 2f, n);
            float normSquared = 0;
            for (int i = 0; i < n; i++) normSquared += grad.at(i) * grad.at(i);
            normSquared *= 3; // as if other parameters contributed twice as much again
            AdamW h = new AdamW(1e-2f, 0.9f, 0.999f, 1e-6f, 0.1f, step);
            h.writeTo(hyper, (float) maxNorm);
            TestBackends.threads(2).clippedAdamW(param, grad, m, v, hyper, Tensor.of(new float[] {normSquared}, 1));
            double scale = maxNorm > 0 ? Math.min(1, maxNorm / (Math.sqrt(normSquared) + 1e-6)) : 1;
            double[] g = ReferenceOps.toDouble(grad);
            for (int i = 0; i < n; i++) g[i] *= scale;
            ReferenceOps.adamW(p, g, md, vd, h);
            assertAllClose(p, param, 1e-5, 1e-7, "param after step " + step + " (gradient scale " + scale + ")");
            assertAllClose(md, m, 1e-5, 1e-7, "m after step " + step);
        }
        float[] before = param.toArray(), mBefore = m.toArray();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            TestBackends.threads(2).clippedAdamW(param, Tensor.uniform(9, 1f, n), m, v, hyper, Tensor.of(new float[] {bad}, 1));
            assertAllClose(before, param.toArray(), 0, 0, "param after a step with norm² " + bad);
            assertAllClose(mBefore, m.toArray(), 0, 0, "m after a step with norm² " + bad);
        }
    }

    @Test
    void sizeMismatchNamesTheOpAndShapes() {
        AdamW h = new AdamW(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1);
        ShapeException e = assertThrows(ShapeException.class,
                () -> TestBackends.threads(1).adamW(Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(5), h));
        assertEquals("adamW: [4] vs [5] differ in size", e.getMessage());
    }
}
