package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

class DctProjectorTest {
    private static final JvmBackend OPS = new JvmBackend(1);

    @AfterAll
    static void close() { OPS.close(); }

    /** ‖DᵀD − I‖_max in double over float32 entries: about 1e-7 · √n, asserted below 2e-6. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 33, 64, 65, 128})
    void basisIsOrthonormal(int n) {
        Tensor d = DctBasis.orthonormal(n);
        double worst = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += (double) d.at(i * n + a) * d.at(i * n + b);
                worst = Math.max(worst, Math.abs(dot - (a == b ? 1 : 0)));
            }
        }
        assertEquals(0, worst, 2e-6, "‖DᵀD − I‖_max for n = " + n);
    }

    /** Known bases: n = 2 is the normalised Haar pair; n = 4's second column is c·cos(π(2i+1)/8). */
    @Test
    void basisMatchesHandComputedEntries() {
        float h = (float) Math.sqrt(0.5);
        assertArrayEquals(new float[] {h, h, h, -h}, DctBasis.orthonormal(2).toArray(), 1e-7f);
        Tensor d4 = DctBasis.orthonormal(4);
        float c = (float) Math.sqrt(0.5);
        float[] col1 = {c * 0.92387953f, c * 0.38268343f, -c * 0.38268343f, -c * 0.92387953f};
        for (int i = 0; i < 4; i++) {
            assertEquals(0.5f, d4.at(i * 4), 1e-7f, "constant column");
            assertEquals(col1[i], d4.at(i * 4 + 1), 1e-7f, "column 1 row " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> DctBasis.orthonormal(0));
    }

    /**
     * G built from planted basis vectors d_j with weights c: on the right side G = Σ c_k·u_k·d_{j_k}ᵀ
     * (u_k unit vectors), on the left G = Σ c_k·d_{j_k}·w_kᵀ, plus N(0, 1e-4²) noise. The r strongest plants
     * are selected, in order of weight, and P⁻(P(G)) recovers G when r covers every plant.
     */
    @ParameterizedTest
    @CsvSource({"65, 33, 1", "33, 65, 2", "7, 7, 3", "40, 3, 4"})
    void selectsTheBasisVectorsThePlantedGradientIsBuiltFrom(int rows, int cols, long seed) {
        ProjectionSide side = ProjectionSide.of(rows, cols);
        int dim = side.basisDimension(rows, cols), other = side == ProjectionSide.RIGHT ? rows : cols;
        Tensor d = DctBasis.orthonormal(dim);
        int plants = Math.min(3, dim);
        int[] planted = new int[plants];
        java.util.Random random = new java.util.Random(seed);
        for (int k = 0; k < plants; k++) {
            int j;
            do { j = random.nextInt(dim); } while (contains(planted, k, j));
            planted[k] = j;
        }
        double[] weight = {5, 3, 2};
        Tensor g = Tensor.normal(seed + 100, 1e-4f, rows, cols);
        for (int k = 0; k < plants; k++) {
            Tensor u = unit(Tensor.normal(seed * 10 + k, 1f, other));
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < cols; c++) {
                    double basis = side == ProjectionSide.RIGHT ? d.at(c * dim + planted[k]) : d.at(i * dim + planted[k]);
                    double free = side == ProjectionSide.RIGHT ? u.at(i) : u.at(c);
                    g.put(i * cols + c, (float) (g.at(i * cols + c) + weight[k] * free * basis));
                }
            }
        }
        for (int r = 1; r <= plants; r++) {
            var projector = (DctProjector) DctProjector.factory().create("w", rows, cols, r, new OptimizerState());
            projector.fit(OPS, g);
            assertArrayEquals(java.util.Arrays.copyOf(planted, r), projector.selected(), "rank " + r + " of " + rows + "×" + cols);
        }
        var projector = (DctProjector) DctProjector.factory().create("w", rows, cols, plants, new OptimizerState());
        projector.fit(OPS, g);
        Tensor low = Tensor.zeros(projector.lowRankShape()), back = Tensor.zeros(rows, cols);
        projector.project(OPS, g, low);
        projector.projectBack(OPS, low, back);
        for (int i = 0; i < g.size(); i++) assertEquals(g.at(i), back.at(i), 1e-3, "P⁻(P(G)) at " + i);
    }

    /** R = G·D[:, J] on the right and D[:, J]ᵀ·G on the left, against a plain double product. */
    @ParameterizedTest
    @CsvSource({"17, 9, 4", "9, 17, 4", "5, 5, 5"})
    void projectionIsTheProductWithTheSelectedColumns(int rows, int cols, int rank) {
        var projector = (DctProjector) DctProjector.factory().create("w", rows, cols, rank, new OptimizerState());
        Tensor g = Tensor.normal(rows * 31L + cols, 1f, rows, cols);
        projector.fit(OPS, g);
        int[] j = projector.selected();
        ProjectionSide side = ProjectionSide.of(rows, cols);
        int dim = side.basisDimension(rows, cols);
        Tensor d = DctBasis.orthonormal(dim);
        Tensor low = Tensor.zeros(projector.lowRankShape());
        projector.project(OPS, g, low);
        for (int a = 0; a < low.rows(); a++) {
            for (int b = 0; b < low.cols(); b++) {
                double expected = 0;
                for (int i = 0; i < dim; i++) {
                    expected += side == ProjectionSide.RIGHT
                            ? (double) g.at(a * cols + i) * d.at(i * dim + j[b])
                            : (double) d.at(i * dim + j[a]) * g.at(i * cols + b);
                }
                assertEquals(expected, low.at(a * low.cols() + b), 1e-5, "R[" + a + "," + b + "]");
            }
        }
        assertEquals((long) rank * Float.BYTES, projector.stateBytes());
    }

    private static boolean contains(int[] values, int count, int x) {
        for (int i = 0; i < count; i++) if (values[i] == x) return true;
        return false;
    }

    private static Tensor unit(Tensor v) {
        double norm = 0;
        for (int i = 0; i < v.size(); i++) norm += (double) v.at(i) * v.at(i);
        for (int i = 0; i < v.size(); i++) v.put(i, (float) (v.at(i) / Math.sqrt(norm)));
        return v;
    }
}
