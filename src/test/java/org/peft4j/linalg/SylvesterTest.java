package org.peft4j.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SylvesterTest {

    /** A random symmetric positive semi-definite n×n matrix MᵀM of rank {@code rank}. */
    static DMatrixRMaj gram(Random random, int n, int rank) {
        DMatrixRMaj m = new DMatrixRMaj(rank, n);
        for (int i = 0; i < m.data.length; i++) m.data[i] = random.nextGaussian();
        return CommonOps_DDRM.multTransA(m, m, null);
    }

    static DMatrixRMaj random(Random random, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = random.nextGaussian();
        return m;
    }

    /**
     * Against the plain linear system in the p·q unknowns X_ij: Σ_k P_ik X_kj + Σ_k X_ik Q_kj = C_ij, solved by
     * EJML's LU; agreement within 1e-9 relative. {@code pRank} &lt; p makes P singular (BᵀB of a rank-deficient B).
     */
    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1", "3, 3, 3, 3", "7, 2, 7, 2", "2, 7, 2, 7", "8, 8, 8, 8", "5, 4, 2, 4"})
    void matchesTheVectorisedLinearSystem(int p, int q, int pRank, long seed) {
        Random random = new Random(seed * 7919 + p * 31L + q);
        DMatrixRMaj pm = gram(random, p, pRank), qm = gram(random, q, q), c = random(random, p, q);
        DMatrixRMaj x = Sylvester.solveSymmetric(pm, qm, c);

        DMatrixRMaj system = new DMatrixRMaj(p * q, p * q), rhs = new DMatrixRMaj(p * q, 1), expected = new DMatrixRMaj(p * q, 1);
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < q; j++) {
                int row = i * q + j;
                rhs.set(row, 0, c.get(i, j));
                for (int k = 0; k < p; k++) system.add(row, k * q + j, pm.get(i, k));
                for (int k = 0; k < q; k++) system.add(row, i * q + k, qm.get(k, j));
            }
        }
        assertTrue(CommonOps_DDRM.solve(system, rhs, expected));
        double scale = CommonOps_DDRM.elementMaxAbs(expected);
        for (int i = 0; i < p * q; i++) assertEquals(expected.get(i, 0), x.data[i], 1e-9 * scale, "X[" + i / q + "," + i % q + "]");
    }

    @Test
    void zeroLeftOperatorGivesCTimesTheInverseOfQ() {
        Random random = new Random(5);
        DMatrixRMaj qm = gram(random, 4, 4), c = random(random, 3, 4);
        DMatrixRMaj x = Sylvester.solveSymmetric(new DMatrixRMaj(3, 3), qm, c);
        DMatrixRMaj inverse = new DMatrixRMaj(4, 4);
        assertTrue(CommonOps_DDRM.invert(qm, inverse));
        DMatrixRMaj expected = CommonOps_DDRM.mult(c, inverse, null);
        for (int i = 0; i < x.data.length; i++) assertEquals(expected.data[i], x.data[i], 1e-9 * CommonOps_DDRM.elementMaxAbs(expected));
    }

    @Test
    void rejectsMismatchedShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Sylvester.solveSymmetric(new DMatrixRMaj(3, 3), new DMatrixRMaj(2, 2), new DMatrixRMaj(2, 3)));
        assertTrue(e.getMessage().contains("C 2×3"), e.getMessage());
    }
}
