package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.FiniteDifferences;
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;

/**
 * GELU (erf form) and SiLU, forward and backward, against double references (commons-math erfc
 * for Φ) over random inputs and a dense sweep of [−12, 12], and the derivatives against central
 * finite differences. Tolerance: relative 2e-6 (float32 evaluation of the exp argument of a
 * 1.2e-7-accurate erfc fit; measured worst 1.3e-6 near x = −3) plus absolute 1e-7 (cancellation
 * in Φ(x) + x·φ(x) around its zero at x ≈ −0.75).
 */
class ActivationsTest {
    private static final double RTOL = 2e-6, ATOL = 1e-7;

    /** One activation: the kernel pair and its double reference. */
    enum Activation {
        GELU(ReferenceOps::gelu, ReferenceOps::geluDerivative),
        SILU(ReferenceOps::silu, ReferenceOps::siluDerivative);

        final DoubleUnaryOperator value, derivative;

        Activation(DoubleUnaryOperator value, DoubleUnaryOperator derivative) {
            this.value = value;
            this.derivative = derivative;
        }

        void forward(Ops ops, Tensor x, Tensor y) {
            if (this == GELU) ops.gelu(x, y); else ops.silu(x, y);
        }

        void backward(Ops ops, Tensor x, Tensor dy, Tensor dx) {
            if (this == GELU) ops.geluBackward(x, dy, dx); else ops.siluBackward(x, dy, dx);
        }

        String op() { return name().toLowerCase(); }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Activation.values()).flatMap(a -> TestBackends.threadsAndSizes(TestBackends.SIZES)
                .map(args -> Arguments.of(a, args.get()[0], args.get()[1])));
    }

    @ParameterizedTest(name = "{0} threads={1} n={2}")
    @MethodSource("cases")
    void forwardMatchesReference(Activation f, int threads, int n) {
        Tensor x = Tensor.uniform(n * 7L + threads, 6f, n);
        double[] expected = map(x, f.value);
        Tensor y = GuardedViews.offsetCopy(Tensor.zeros(n));
        f.forward(TestBackends.threads(threads), GuardedViews.offsetCopy(x), y);
        assertAllClose(expected, y, RTOL, ATOL, f.op());
        GuardedViews.assertGuardsIntact(y, f.op());

        f.forward(TestBackends.threads(threads), x, x);
        assertAllClose(expected, x, RTOL, ATOL, f.op() + " in place");
    }

    @ParameterizedTest(name = "{0} threads={1} n={2}")
    @MethodSource("cases")
    void backwardMatchesReference(Activation f, int threads, int n) {
        Tensor x = Tensor.uniform(n * 7L + threads, 6f, n), dy = Tensor.uniform(n * 3L, 2f, n);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = dy.at(i) * f.derivative.applyAsDouble(x.at(i));
        Tensor dx = GuardedViews.offsetCopy(Tensor.zeros(n));
        f.backward(TestBackends.threads(threads), GuardedViews.offsetCopy(x), GuardedViews.offsetCopy(dy), dx);
        assertAllClose(expected, dx, RTOL, ATOL, f.op() + "Backward");
        GuardedViews.assertGuardsIntact(dx, f.op() + "Backward");

        f.backward(TestBackends.threads(threads), x, dy, dy);
        assertAllClose(expected, dy, RTOL, ATOL, f.op() + "Backward with dx aliasing dy");
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void denseSweepOverTheWholeRange(Activation f) {
        int n = 24_001; // step 1e-3 over [−12, 12], both tails and the bend around 0
        Tensor x = Tensor.zeros(n);
        for (int i = 0; i < n; i++) x.put(i, -12f + 24f * i / (n - 1));
        Tensor y = Tensor.zeros(n), dx = Tensor.zeros(n).fill(1f);
        f.forward(TestBackends.threads(1), x, y);
        f.backward(TestBackends.threads(1), x, dx, dx);
        assertAllClose(map(x, f.value), y, RTOL, ATOL, f.op() + " sweep");
        assertAllClose(map(x, f.derivative), dx, RTOL, ATOL, f.op() + " derivative sweep");
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void backwardMatchesFiniteDifferences(Activation f) {
        int n = 65;
        Tensor x = Tensor.uniform(61, 5f, n), dy = Tensor.uniform(62, 1f, n), dx = Tensor.zeros(n);
        f.backward(TestBackends.threads(1), x, dy, dx);
        double[] numeric = FiniteDifferences.vectorJacobianProduct(p -> {
            double[] y = new double[p.length];
            for (int i = 0; i < p.length; i++) y[i] = f.value.applyAsDouble(p[i]);
            return y;
        }, ReferenceOps.toDouble(x), ReferenceOps.toDouble(dy), 1e-5);
        assertAllClose(numeric, dx, 1e-5, 1e-6, f.op() + "Backward vs finite differences");
    }

    @Test
    void extremeInputsStayFinite() {
        Tensor x = Tensor.of(new float[] {-1e4f, -100f, -30f, 30f, 100f, 1e4f}, 6);
        for (Activation f : Activation.values()) {
            Tensor y = Tensor.zeros(6), dx = Tensor.zeros(6).fill(1f);
            f.forward(TestBackends.threads(1), x, y);
            f.backward(TestBackends.threads(1), x, dx, dx);
            assertAllClose(map(x, f.value), y, RTOL, 1e-30, f.op() + " at extremes");
            assertAllClose(map(x, f.derivative), dx, RTOL, 1e-30, f.op() + " derivative at extremes");
        }
    }

    @Test
    void sizeMismatchNamesTheOpAndShapes() {
        JvmBackend be = TestBackends.threads(1);
        ShapeException e = assertThrows(ShapeException.class, () -> be.gelu(Tensor.zeros(4), Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().equals("gelu: [4] vs [2, 3] differ in size"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> be.siluBackward(Tensor.zeros(4), Tensor.zeros(4), Tensor.zeros(5)));
        assertTrue(e.getMessage().equals("siluBackward: [4] vs [5] differ in size"), e.getMessage());
    }

    private static double[] map(Tensor x, DoubleUnaryOperator f) {
        double[] y = new double[x.size()];
        for (int i = 0; i < y.length; i++) y[i] = f.applyAsDouble(x.at(i));
        return y;
    }
}
