package org.peft4j.optim;

import org.peft4j.backend.Ops;
import org.peft4j.linalg.Svd;
import org.peft4j.tensor.Tensor;

/**
 * GaLore's projector ({@code GaLoreProjector}, {@code proj_type="std"}): with the SVD G = U·S·Vᵀ of the
 * gradient at refresh, Q = Vᵀ[:r, :] [r, n] when m ≥ n and Q = U[:, :r] [m, r] otherwise (see
 * {@link ProjectionSide}). State: {@code "<name>.ortho_matrix"}, the Q of the last refresh.
 */
public final class SvdProjector implements GradientProjector {
    private final ProjectionSide side;
    private final int rows, cols, rank;
    private final Tensor ortho;

    public SvdProjector(String name, int rows, int cols, int rank, OptimizerState state) {
        this.side = ProjectionSide.of(rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rank = rank;
        this.ortho = state.allocate(name + ".ortho_matrix", side.orthoShape(rows, cols, rank));
    }

    @Override public int[] lowRankShape() { return side.lowRankShape(rows, cols, rank); }

    @Override
    public void fit(Ops ops, Tensor grad) {
        Svd svd = Svd.top(grad, rank);
        ortho.copyFrom(side == ProjectionSide.RIGHT ? svd.vt() : svd.u());
    }

    @Override public void project(Ops ops, Tensor grad, Tensor lowRank) { side.project(ops, ortho, grad, lowRank); }
    @Override public void projectBack(Ops ops, Tensor lowRank, Tensor full) { side.projectBack(ops, ortho, lowRank, full); }
    @Override public long stateBytes() { return (long) ortho.size() * Float.BYTES; }
}
