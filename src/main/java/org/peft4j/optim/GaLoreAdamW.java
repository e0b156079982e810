package org.peft4j.optim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * GaLore (Zhao et al., 2024; {@code galore_torch.AdamW}): AdamW whose moments live in a rank-r projection of
 * the gradient. For each selected 2-D parameter θ [m, n] with gradient G, at step t (from 1):
 * <pre>
 *   if (t − 1) mod T = 0:  P.fit(G)                              (every update_proj_gap steps, first at t = 1)
 *   R = P(G)                                                     ({@link GradientProjector}, e.g. [m, r])
 *   m ← β1·m + (1−β1)·R     v ← β2·v + (1−β2)·R²                 (moments are kept across refreshes)
 *   N = −lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)                    (the {@link AdamWKernel} on R)
 *   θ ← θ + α·P⁻(N)                                              (α = scale)
 *   θ ← θ − lr·λ·θ                                               (decoupled decay after the update, as the repo)
 * </pre>
 * The rank is min(r, m, n). Every other trainable parameter takes plain AdamW through the same kernel
 * (torch order, decay first). The repo's transformers-style AdamW puts ε·√(1−β2^t) where this has ε, a
 * difference below float32 resolution unless √v̂ is near ε.
 * State: {@code "<name>.exp_avg"} and {@code "<name>.exp_avg_sq"} (projected shape for projected parameters),
 * the projector's buffers ({@code ortho_matrix} for {@link SvdProjector}, {@code dct_indices} for
 * {@link DctProjector}) and the step count.
 */
public final class GaLoreAdamW implements Optimizer {

    /** GaLore's hyper-parameters: rank r, refresh period T ({@code update_proj_gap}) and scale α. */
    public record Projection(int rank, int updateProjGap, double scale) {
        /** The paper repository's defaults for T and α. */
        public static final int DEFAULT_UPDATE_PROJ_GAP = 200;
        public static final double DEFAULT_SCALE = 0.25;

        public Projection {
            if (rank < 1) throw new IllegalArgumentException("GaLore rank must be >= 1, got " + rank);
            if (updateProjGap < 1) throw new IllegalArgumentException("GaLore update_proj_gap must be >= 1, got " + updateProjGap);
            if (!(scale > 0 && Double.isFinite(scale))) throw new IllegalArgumentException("GaLore scale must be finite and > 0, got " + scale);
        }

        /** Rank r with the default T = 200 and α = 0.25. */
        public static Projection ofRank(int rank) {
            return new Projection(rank, DEFAULT_UPDATE_PROJ_GAP, DEFAULT_SCALE);
        }
    }

    /** One trainable parameter's update. */
    private interface Slot {
        void update(Ops ops, double lr, double weightDecay, long t);
    }

    private final List<ParameterGroup> groups;
    private final List<List<Slot>> slotsByGroup = new ArrayList<>();
    private final OptimizerState state = new OptimizerState();
    private final AdamWOptimizer.Settings settings;
    private final AdamWKernel kernel;
    private final Projection projection;

    /**
     * @param projected  which trainable parameters are projected (each must be 2-D); the others take plain AdamW
     * @param projectors builds each projected parameter's projector ({@code SvdProjector::new}, {@link DctProjector#factory()})
     */
    public GaLoreAdamW(List<ParameterGroup> groups, Predicate<Parameter> projected, Projection projection,
                       GradientProjector.Factory projectors, AdamWOptimizer.Settings settings, AdamWKernel kernel) {
        this.groups = List.copyOf(groups);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.projection = Objects.requireNonNull(projection, "projection");
        var seen = new HashSet<String>();
        for (ParameterGroup group : this.groups) {
            var slots = new ArrayList<Slot>();
            for (Parameter p : group.parameters()) {
                if (!seen.add(p.name())) throw new IllegalArgumentException("parameter '" + p.name() + "' appears in more than one group");
                if (!p.trainable()) continue;
                if (!projected.test(p)) {
                    slots.add(plain(p));
                    continue;
                }
                if (p.value().rank() != 2) {
                    throw new IllegalArgumentException("GaLore projects matrices; parameter '" + p.name() + "' has shape "
                            + java.util.Arrays.toString(p.value().shape()));
                }
                int m = p.value().dim(0), n = p.value().dim(1);
                slots.add(projected(p, projectors.create(p.name(), m, n, Math.min(projection.rank(), Math.min(m, n)), state)));
            }
            slotsByGroup.add(List.copyOf(slots));
        }
    }

    private AdamWStep adamStep(double lr, double weightDecay, long t) {
        return new AdamWStep(lr, settings.beta1(), settings.beta2(), settings.eps(), weightDecay, t);
    }

    private Slot plain(Parameter p) {
        Tensor m = state.allocate(p.name() + ".exp_avg", p.value().shape());
        Tensor v = state.allocate(p.name() + ".exp_avg_sq", p.value().shape());
        return (ops, lr, weightDecay, t) -> kernel.update(ops, p.value(), p.grad(), m, v, adamStep(lr, weightDecay, t));
    }

    private Slot projected(Parameter p, GradientProjector projector) {
        int[] lowRankShape = projector.lowRankShape();
        Tensor m = state.allocate(p.name() + ".exp_avg", lowRankShape);
        Tensor v = state.allocate(p.name() + ".exp_avg_sq", lowRankShape);
        Tensor lowRankGrad = Tensor.zeros(lowRankShape), update = Tensor.zeros(lowRankShape);
        Tensor full = Tensor.zeros(p.value().shape());
        Tensor theta = p.value(), grad = p.grad();
        return (ops, lr, weightDecay, t) -> {
            if ((t - 1) % projection.updateProjGap() == 0) projector.fit(ops, grad);
            projector.project(ops, grad, lowRankGrad);
            ops.fill(update, 0f);
            kernel.update(ops, update, lowRankGrad, m, v, adamStep(lr, 0, t));
            projector.projectBack(ops, update, full);
            ops.axpy((float) projection.scale(), full, theta);
            if (weightDecay != 0) ops.scale((float) (1 - lr * weightDecay), theta, theta);
        };
    }

    @Override
    public void step(Ops ops, double learningRate) {
        PerParameterOptimizer.requireLearningRate(learningRate);
        long t = state.advance();
        for (int g = 0; g < groups.size(); g++) {
            ParameterGroup group = groups.get(g);
            double lr = learningRate * group.lrMultiplier();
            for (Slot slot : slotsByGroup.get(g)) slot.update(ops, lr, group.weightDecay(), t);
        }
    }

    public Projection projection() { return projection; }
    @Override public long steps() { return state.steps(); }
    @Override public List<ParameterGroup> groups() { return groups; }
    @Override public Map<String, Tensor> state() { return state.export(); }
    @Override public void loadState(Map<String, Tensor> saved) { state.load(saved); }
    @Override public long stateBytes() { return state.bytes(); }
}
