package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

class LoraProTest {
    private static final JvmBackend OPS = new JvmBackend(1);

    @AfterAll
    static void close() { OPS.close(); }

    /** A LoRA problem: full gradient G [m, n], factors A [r, n], B [m, r], scale s, and LoRA's g_A = s·BᵀG, g_B = s·G·Aᵀ. */
    private record Problem(DMatrixRMaj g, DMatrixRMaj a, DMatrixRMaj b, double s, DMatrixRMaj gradA, DMatrixRMaj gradB) {
        static Problem random(int m, int n, int r, double s, long seed) {
            Random random = new Random(seed);
            DMatrixRMaj g = gaussian(random, m, n, 1), a = gaussian(random, r, n, 1 / Math.sqrt(n)), b = gaussian(random, m, r, 0.1);
            return of(g, a, b, s);
        }

        static Problem of(DMatrixRMaj g, DMatrixRMaj a, DMatrixRMaj b, double s) {
            DMatrixRMaj gradA = CommonOps_DDRM.multTransA(b, g, null), gradB = CommonOps_DDRM.multTransB(g, a, null);
            CommonOps_DDRM.scale(s, gradA);
            CommonOps_DDRM.scale(s, gradB);
            return new Problem(g, a, b, s, gradA, gradB);
        }

        /** s·(B·g_A + g_B·A), the full-weight gradient a LoRA step with these factor gradients amounts to. */
        DMatrixRMaj equivalent(DMatrixRMaj ga, DMatrixRMaj gb) {
            DMatrixRMaj out = CommonOps_DDRM.mult(b, ga, null);
            CommonOps_DDRM.multAdd(gb, a, out);
            CommonOps_DDRM.scale(s, out);
            return out;
        }

        double distanceToG(DMatrixRMaj equivalent) {
            return NormOps_DDRM.normF(CommonOps_DDRM.subtract(equivalent, g, null));
        }
    }

    private static DMatrixRMaj gaussian(Random random, int rows, int cols, double std) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = std * random.nextGaussian();
        return m;
    }

    /** The orthogonal projector onto the column space of {@code m} (rows of m when {@code rows}), from its QR. */
    private static DMatrixRMaj projector(DMatrixRMaj m, boolean rows) {
        DMatrixRMaj basis = rows ? CommonOps_DDRM.transpose(m, null) : m.copy();
        var qr = org.ejml.dense.row.factory.DecompositionFactory_DDRM.qr(basis.numRows, basis.numCols);
        assertTrue(qr.decompose(basis));
        DMatrixRMaj q = qr.getQ(null, true);
        return CommonOps_DDRM.multTransB(q, q, null);
    }

    /**
     * The best any (g_A, g_B) can do is the projection of G onto {B·X + Y·A}; its distance to G is
     * ‖(I − P_B)·G·(I − P_A)‖ (P the orthogonal projectors, computed here by QR). LoRA-Pro reaches it within
     * 1e-6 relative, and plain LoRA's s²(BBᵀG + GAᵀA) is strictly farther.
     */
    @ParameterizedTest
    @CsvSource({"7, 5, 2, 2.0, 1", "33, 17, 4, 2.0, 2", "17, 33, 3, 0.5, 3", "65, 65, 8, 1.0, 4", "9, 3, 1, 16.0, 5", "40, 24, 6, 2.0, 6"})
    void equivalentGradientIsTheBestLowRankApproximationAndBeatsLora(int m, int n, int r, double s, long seed) {
        Problem p = Problem.random(m, n, r, s, seed);
        DMatrixRMaj[] adjusted = LoraPro.adjusted(p.a(), p.b(), p.gradA(), p.gradB(), p.s());
        double pro = p.distanceToG(p.equivalent(adjusted[0], adjusted[1]));
        double lora = p.distanceToG(p.equivalent(p.gradA(), p.gradB()));

        DMatrixRMaj eye = CommonOps_DDRM.identity(m), eyeN = CommonOps_DDRM.identity(n);
        DMatrixRMaj leftOut = CommonOps_DDRM.subtract(eye, projector(p.b(), false), null);
        DMatrixRMaj rightOut = CommonOps_DDRM.subtract(eyeN, projector(p.a(), true), null);
        double optimal = NormOps_DDRM.normF(CommonOps_DDRM.mult(CommonOps_DDRM.mult(leftOut, p.g(), null), rightOut, null));

        assertEquals(optimal, pro, 1e-6 * optimal, "LoRA-Pro's distance to G");
        assertTrue(pro < lora * (1 - 1e-3), "LoRA-Pro " + pro + " vs LoRA " + lora);
    }

    /**
     * Theorem 2.2: X makes the adjusted pair the one closest to (g_A, g_B), so the derivative of
     * ‖g_A' − g_A‖² + ‖g_B' − g_B‖² in X, (g_A' − g_A)·Aᵀ − Bᵀ·(g_B' − g_B), vanishes up to the δ = 1e-8
     * regulariser (Bᵀ(I − B(BᵀB + δI)⁻¹Bᵀ) = δ(BᵀB + δI)⁻¹Bᵀ, about 1e-7 here): below 1e-5 of ‖g_A'·Aᵀ‖.
     */
    @ParameterizedTest
    @CsvSource({"7, 5, 2, 2.0, 11", "33, 17, 4, 2.0, 12", "17, 33, 3, 0.5, 13"})
    void freeTermStaysClosestToTheLoraGradients(int m, int n, int r, double s, long seed) {
        Problem p = Problem.random(m, n, r, s, seed);
        DMatrixRMaj[] adjusted = LoraPro.adjusted(p.a(), p.b(), p.gradA(), p.gradB(), p.s());
        DMatrixRMaj derivative = CommonOps_DDRM.multTransB(CommonOps_DDRM.subtract(adjusted[0], p.gradA(), null), p.a(), null);
        CommonOps_DDRM.multAddTransA(-1, p.b(), CommonOps_DDRM.subtract(adjusted[1], p.gradB(), null), derivative);
        double size = NormOps_DDRM.normF(CommonOps_DDRM.multTransB(adjusted[0], p.a(), null));
        assertEquals(0, NormOps_DDRM.normF(derivative), 1e-5 * size);
    }

    /** At LoRA's start B = 0: g_A = 0 and X = 0, so g_A' = 0 and g_B' = (1/s²)·g_B·(AAᵀ + δI)⁻¹. */
    @Test
    void atInitialisationOnlyBMovesAlongTheLeastSquaresDirection() {
        Random random = new Random(21);
        DMatrixRMaj a = gaussian(random, 3, 11, 0.3), g = gaussian(random, 7, 11, 1);
        Problem p = Problem.of(g, a, new DMatrixRMaj(7, 3), 2.0);
        DMatrixRMaj[] adjusted = LoraPro.adjusted(p.a(), p.b(), p.gradA(), p.gradB(), p.s());
        assertEquals(0, CommonOps_DDRM.elementMaxAbs(adjusted[0]), 0.0);
        DMatrixRMaj aat = CommonOps_DDRM.multTransB(a, a, null);
        for (int i = 0; i < 3; i++) aat.add(i, i, LoraPro.DELTA);
        DMatrixRMaj inverse = new DMatrixRMaj(3, 3);
        assertTrue(CommonOps_DDRM.invert(aat, inverse));
        DMatrixRMaj expected = CommonOps_DDRM.mult(p.gradB(), inverse, null);
        CommonOps_DDRM.scale(0.25, expected);
        for (int i = 0; i < expected.data.length; i++) assertEquals(expected.data[i], adjusted[1].data[i], 1e-9 * CommonOps_DDRM.elementMaxAbs(expected));
    }

    /**
     * Through parameters: the adjustment writes the double-precision result rounded to float32 into the gradients,
     * and AdjustedOptimizer's step is AdamW's step on those gradients, bit for bit, with AdamW's state.
     */
    @Test
    void adjustedAdamWStepsOnTheAdjustedGradients() {
        Problem p = Problem.random(13, 9, 3, 2.0, 31);
        Parameter a = parameter("q.lora_A.weight", p.a(), p.gradA()), b = parameter("q.lora_B.weight", p.b(), p.gradB());
        Parameter a2 = parameter("q.lora_A.weight", p.a(), p.gradA()), b2 = parameter("q.lora_B.weight", p.b(), p.gradB());
        var optimizer = new AdjustedOptimizer(new AdamWOptimizer(List.of(new ParameterGroup("g", List.of(a, b), 1, 0.01))),
                new LoraPro(List.of(new LoraPair(a, b, 2.0))));
        var reference = new AdamWOptimizer(List.of(new ParameterGroup("g", List.of(a2, b2), 1, 0.01)));

        DMatrixRMaj[] expected = LoraPro.adjusted(LoraPro.matrix(a.value()), LoraPro.matrix(b.value()),
                LoraPro.matrix(a.grad()), LoraPro.matrix(b.grad()), 2.0);
        a2.grad().copyFrom(tensor(expected[0]));
        b2.grad().copyFrom(tensor(expected[1]));
        optimizer.step(OPS, 1e-3);
        reference.step(OPS, 1e-3);

        assertArrayEquals(AdamWOptimizerTest.bits(a2.grad()), AdamWOptimizerTest.bits(a.grad()), "adjusted g_A");
        assertArrayEquals(AdamWOptimizerTest.bits(b2.grad()), AdamWOptimizerTest.bits(b.grad()), "adjusted g_B");
        assertArrayEquals(AdamWOptimizerTest.bits(a2.value()), AdamWOptimizerTest.bits(a.value()));
        assertArrayEquals(AdamWOptimizerTest.bits(b2.value()), AdamWOptimizerTest.bits(b.value()));
        assertEquals(reference.state().keySet(), optimizer.state().keySet());
        assertEquals(1, optimizer.steps());
        assertEquals(reference.stateBytes(), optimizer.stateBytes());
        assertThrows(IllegalArgumentException.class, () -> optimizer.step(OPS, -1));
        assertArrayEquals(AdamWOptimizerTest.bits(a2.grad()), AdamWOptimizerTest.bits(a.grad()), "a rejected step adjusts nothing");
    }

    @Test
    void rejectsFrozenFactorsAndMismatchedShapes() {
        Parameter a = Parameter.trainable("x.lora_A.weight", Tensor.uniform(1, 1f, 2, 5));
        Parameter frozenB = Parameter.frozen("x.lora_B.weight", Tensor.uniform(2, 1f, 4, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> new LoraPro(List.of(new LoraPair(a, frozenB, 1))));
        assertTrue(e.getMessage().contains("frozen"), e.getMessage());
        Parameter wrongB = Parameter.trainable("x.lora_B.weight", Tensor.uniform(2, 1f, 4, 3));
        e = assertThrows(IllegalArgumentException.class, () -> new LoraPair(a, wrongB, 1));
        assertTrue(e.getMessage().contains("x.lora_B.weight[4, 3]"), e.getMessage());
    }

    private static Parameter parameter(String name, DMatrixRMaj value, DMatrixRMaj grad) {
        Parameter p = Parameter.trainable(name, tensor(value));
        p.grad().copyFrom(tensor(grad));
        return p;
    }

    private static Tensor tensor(DMatrixRMaj m) {
        Tensor t = Tensor.zeros(m.numRows, m.numCols);
        for (int i = 0; i < t.size(); i++) t.put(i, (float) m.data[i]);
        return t;
    }
}
