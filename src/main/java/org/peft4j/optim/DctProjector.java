package org.peft4j.optim;

import java.util.HashMap;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * The SVD-free projector of Modoranu et al. (2025, "SVD-Free Low-Rank Adaptive Gradient Optimization for Large
 * Language Models"): a fixed orthonormal {@link DctBasis} D, and at refresh the r basis vectors most aligned
 * with the gradient G [m, n]. On the {@link ProjectionSide}:
 * <pre>
 *   RIGHT (m ≥ n): D [n, n], score_j = ‖G·d_j‖₂   (column norms of G·D),  Q = D[:, J]ᵀ [r, n]
 *   LEFT  (m &lt; n): D [m, m], score_j = ‖d_jᵀ·G‖₂  (row norms of Dᵀ·G),    Q = D[:, J]   [m, r]
 * </pre>
 * with J the indices of the r largest scores, in descending order of score (ties: lower index first).
 * State: only {@code "<name>.dct_indices"} [r] (indices as exact float32 integers); D is computed once per
 * dimension and shared by the projectors of one {@link #factory()}.
 */
public final class DctProjector implements GradientProjector {
    private final ProjectionSide side;
    private final int rows, cols, rank;
    private final Tensor basis, indices, ortho;

    private DctProjector(String name, int rows, int cols, int rank, OptimizerState state, Tensor basis) {
        this.side = ProjectionSide.of(rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rank = rank;
        this.basis = basis;
        this.indices = state.allocate(name + ".dct_indices", rank);
        this.ortho = Tensor.zeros(side.orthoShape(rows, cols, rank));
    }

    /** A factory whose projectors share one DCT basis per dimension. */
    public static Factory factory() {
        Map<Integer, Tensor> bases = new HashMap<>();
        return (name, rows, cols, rank, state) -> new DctProjector(name, rows, cols, rank, state,
                bases.computeIfAbsent(ProjectionSide.of(rows, cols).basisDimension(rows, cols), DctBasis::orthonormal));
    }

    @Override public int[] lowRankShape() { return side.lowRankShape(rows, cols, rank); }

    @Override
    public void fit(Ops ops, Tensor grad) {
        Tensor aligned = Tensor.zeros(rows, cols);
        if (side == ProjectionSide.RIGHT) ops.gemm(Transpose.N, Transpose.N, 1f, grad, basis, 0f, aligned);
        else ops.gemm(Transpose.T, Transpose.N, 1f, basis, grad, 0f, aligned);
        double[] score = new double[side.basisDimension(rows, cols)];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double x = aligned.at(i * cols + j);
                score[side == ProjectionSide.RIGHT ? j : i] += x * x;
            }
        }
        int[] top = java.util.stream.IntStream.range(0, score.length).boxed()
                .sorted((a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b))
                .limit(rank).mapToInt(Integer::intValue).toArray();
        for (int k = 0; k < rank; k++) indices.put(k, top[k]);
    }

    /** The selected basis indices J, in order. */
    public int[] selected() {
        int[] out = new int[rank];
        for (int k = 0; k < rank; k++) out[k] = (int) indices.at(k);
        return out;
    }

    @Override
    public void project(Ops ops, Tensor grad, Tensor lowRank) {
        side.project(ops, gatherOrtho(), grad, lowRank);
    }

    @Override
    public void projectBack(Ops ops, Tensor lowRank, Tensor full) {
        side.projectBack(ops, gatherOrtho(), lowRank, full);
    }

    /** Q from the stored indices (so a restored checkpoint needs nothing else). */
    private Tensor gatherOrtho() {
        int d = side.basisDimension(rows, cols);
        int[] j = selected();
        for (int k = 0; k < rank; k++) {
            for (int i = 0; i < d; i++) {
                float value = basis.at(i * d + j[k]);
                ortho.put(side == ProjectionSide.RIGHT ? k * d + i : i * rank + k, value);
            }
        }
        return ortho;
    }

    @Override public long stateBytes() { return (long) indices.size() * Float.BYTES; }
}
