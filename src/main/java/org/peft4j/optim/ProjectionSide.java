package org.peft4j.optim;

import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * The side on which a rank-r projector Q acts on a gradient G [m, n], chosen as GaLore's {@code proj_type="std"}
 * does so that Q spans the smaller dimension:
 * <pre>
 *   RIGHT (m ≥ n):  Q [r, n] (orthonormal rows)     R = G·Qᵀ [m, r]     back(R) = R·Q
 *   LEFT  (m &lt; n):  Q [m, r] (orthonormal columns)  R = Qᵀ·G [r, n]     back(R) = Q·R
 * </pre>
 */
public enum ProjectionSide {
    RIGHT, LEFT;

    /** GaLore's rule: the right side when {@code rows ≥ cols}, else the left. */
    public static ProjectionSide of(int rows, int cols) {
        return rows >= cols ? RIGHT : LEFT;
    }

    /** The dimension Q lives in: n on the right, m on the left. */
    public int basisDimension(int rows, int cols) {
        return this == RIGHT ? cols : rows;
    }

    public int[] orthoShape(int rows, int cols, int rank) {
        return this == RIGHT ? new int[] {rank, cols} : new int[] {rows, rank};
    }

    public int[] lowRankShape(int rows, int cols, int rank) {
        return this == RIGHT ? new int[] {rows, rank} : new int[] {rank, cols};
    }

    /** {@code out = R}, the projection of {@code grad} by {@code q}. */
    public void project(Ops ops, Tensor q, Tensor grad, Tensor out) {
        if (this == RIGHT) ops.gemm(Transpose.N, Transpose.T, 1f, grad, q, 0f, out);
        else ops.gemm(Transpose.T, Transpose.N, 1f, q, grad, 0f, out);
    }

    /** {@code out = back(R)}, a full-size [m, n] matrix in the span of {@code q}. */
    public void projectBack(Ops ops, Tensor q, Tensor lowRank, Tensor out) {
        if (this == RIGHT) ops.gemm(Transpose.N, Transpose.N, 1f, lowRank, q, 0f, out);
        else ops.gemm(Transpose.N, Transpose.N, 1f, q, lowRank, 0f, out);
    }
}
