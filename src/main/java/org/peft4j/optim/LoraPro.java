package org.peft4j.optim;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.peft4j.backend.Ops;
import org.peft4j.linalg.Sylvester;
import org.peft4j.tensor.Tensor;

/**
 * LoRA-Pro (Wang et al., 2024, "LoRA-Pro: Are Low-Rank Adapters Properly Optimized?"), the reference repository's
 * default ({@code mode="efficient"}, {@code X_mode="sylvester"}): the LoRA gradients g_A = s·Bᵀ·G and
 * g_B = s·G·Aᵀ are replaced by the pair whose equivalent full gradient s·(B·g_A + g_B·A) is the closest to G
 * (Theorem 2.1), choosing the free X [r, r] that stays closest to (g_A, g_B) (Theorem 2.2):
 * <pre>
 *   (BᵀB)⁺ = pinv(BᵀB + δI)   (AAᵀ)⁺ = pinv(AAᵀ + δI)   δ = 1e-8
 *   X solves  BᵀB·X + X·AAᵀ = −(1/s²)·(BᵀB)⁺·g_A·Aᵀ          ({@link Sylvester})
 *   g_A ← (1/s²)·(BᵀB)⁺·g_A + X·A
 *   g_B ← (1/s²)·(I − B·(BᵀB)⁺·Bᵀ)·g_B·(AAᵀ)⁺ − B·X
 * </pre>
 * after which AdamW steps on A and B with their own moments, as the repository does. Computed on the host in
 * double precision (the repository works in the training dtype) and rounded to float32.
 */
public final class LoraPro implements GradientAdjustment {
    /** The repository's regulariser of the two r×r inverses. */
    public static final double DELTA = 1e-8;

    private final List<LoraPair> pairs;

    public LoraPro(List<LoraPair> pairs) {
        this.pairs = List.copyOf(pairs);
        for (LoraPair p : this.pairs) {
            if (!p.a().trainable() || !p.b().trainable()) {
                throw new IllegalArgumentException("LoRA-Pro adjusts trainable factor pairs; " + p.a().name() + " or " + p.b().name() + " is frozen");
            }
        }
    }

    @Override
    public void adjust(Ops ops) {
        for (LoraPair pair : pairs) {
            DMatrixRMaj[] adjusted = adjusted(matrix(pair.a().value()), matrix(pair.b().value()),
                    matrix(pair.a().grad()), matrix(pair.b().grad()), pair.scale());
            store(adjusted[0], pair.a().grad());
            store(adjusted[1], pair.b().grad());
        }
    }

    /** {g_A, g_B} adjusted for factors A [r, n], B [m, r] and scale s. */
    static DMatrixRMaj[] adjusted(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj gradA, DMatrixRMaj gradB, double s) {
        double inverseSquare = 1 / (s * s);
        DMatrixRMaj btb = CommonOps_DDRM.multTransA(b, b, null), aat = CommonOps_DDRM.multTransB(a, a, null);
        DMatrixRMaj btbInverse = regularisedInverse(btb), aatInverse = regularisedInverse(aat);

        DMatrixRMaj newA = CommonOps_DDRM.mult(btbInverse, gradA, null);
        CommonOps_DDRM.scale(inverseSquare, newA);
        DMatrixRMaj c = CommonOps_DDRM.multTransB(newA, a, null);
        CommonOps_DDRM.scale(-1, c);
        DMatrixRMaj x = Sylvester.solveSymmetric(btb, aat, c);
        CommonOps_DDRM.multAdd(x, a, newA);

        DMatrixRMaj btg = CommonOps_DDRM.multTransA(b, gradB, null);              // Bᵀ·g_B [r, r]
        DMatrixRMaj residual = gradB.copy();                                     // (I − B(BᵀB)⁺Bᵀ)·g_B
        CommonOps_DDRM.multAdd(-1, b, CommonOps_DDRM.mult(btbInverse, btg, null), residual);
        DMatrixRMaj newB = CommonOps_DDRM.mult(residual, aatInverse, null);
        CommonOps_DDRM.scale(inverseSquare, newB);
        CommonOps_DDRM.multAdd(-1, b, x, newB);
        return new DMatrixRMaj[] {newA, newB};
    }

    private static DMatrixRMaj regularisedInverse(DMatrixRMaj gram) {
        DMatrixRMaj shifted = gram.copy();
        for (int i = 0; i < shifted.numRows; i++) shifted.add(i, i, DELTA);
        DMatrixRMaj inverse = new DMatrixRMaj(shifted.numRows, shifted.numCols);
        CommonOps_DDRM.pinv(shifted, inverse);
        return inverse;
    }

    static DMatrixRMaj matrix(Tensor t) {
        DMatrixRMaj m = new DMatrixRMaj(t.rows(), t.cols());
        for (int i = 0; i < t.size(); i++) m.data[i] = t.at(i);
        return m;
    }

    private static void store(DMatrixRMaj m, Tensor t) {
        for (int i = 0; i < t.size(); i++) t.put(i, (float) m.data[i]);
    }
}
