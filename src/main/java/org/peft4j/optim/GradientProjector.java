package org.peft4j.optim;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * A rank-r projection of one parameter's gradient G [m, n] for a low-rank optimizer ({@link GaLoreAdamW}):
 * {@link #fit} chooses the subspace from the current G (at the first step and every T steps),
 * {@link #project} maps G to R = P(G) of {@link #lowRankShape}, and {@link #projectBack} maps an update in
 * that space back to [m, n]. Whatever {@link #fit} chooses lives in {@link OptimizerState} buffers, so a
 * checkpoint restores the projection exactly.
 */
public interface GradientProjector {

    /** The shape of R = P(G). */
    int[] lowRankShape();

    /** Chooses the projection from the gradient {@code grad} [m, n]. */
    void fit(Ops ops, Tensor grad);

    /** {@code lowRank = P(grad)}. */
    void project(Ops ops, Tensor grad, Tensor lowRank);

    /** {@code full = P⁻(lowRank)} [m, n], the map back into the parameter's space (no scale applied). */
    void projectBack(Ops ops, Tensor lowRank, Tensor full);

    /** Bytes of the projection held per parameter (not counting anything shared between parameters). */
    long stateBytes();

    /** Builds the projector of one parameter. */
    @FunctionalInterface
    interface Factory {
        /**
         * The projector of parameter {@code name} [rows, cols] at rank {@code rank} ≤ min(rows, cols), its state
         * allocated in {@code state} under {@code "<name>.<buffer>"}.
         */
        GradientProjector create(String name, int rows, int cols, int rank, OptimizerState state);
    }
}
