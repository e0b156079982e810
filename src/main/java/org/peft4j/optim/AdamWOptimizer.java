package org.peft4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * AdamW with decoupled weight decay as {@code torch.optim.AdamW} (see {@link AdamWKernel} for the update),
 * each group's {@code weightDecay} as λ. State per trainable parameter: {@code "<name>.exp_avg"} and
 * {@code "<name>.exp_avg_sq"}, 8 bytes per element.
 */
public final class AdamWOptimizer extends PerParameterOptimizer {

    /** β1, β2 in [0, 1) and ε ≥ 0, as torch checks them. */
    public record Settings(double beta1, double beta2, double eps) {
        /** torch's defaults: β = (0.9, 0.999), ε = 1e-8. */
        public static final Settings TORCH_DEFAULTS = new Settings(0.9, 0.999, 1e-8);

        public Settings {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("AdamW beta1 must lie in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW beta2 must lie in [0, 1), got " + beta2);
            if (!(eps >= 0 && Double.isFinite(eps))) throw new IllegalArgumentException("AdamW eps must be finite and >= 0, got " + eps);
        }
    }

    private final Settings settings;
    private final AdamWKernel kernel;

    /** torch's defaults, with torch's rounding order ({@link AdamWKernel#TORCH_ORDER_ON_HOST}). */
    public AdamWOptimizer(List<ParameterGroup> groups) {
        this(groups, Settings.TORCH_DEFAULTS, AdamWKernel.TORCH_ORDER_ON_HOST);
    }

    public AdamWOptimizer(List<ParameterGroup> groups, Settings settings, AdamWKernel kernel) {
        super(groups, List.of("exp_avg", "exp_avg_sq"));
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    @Override
    protected void update(Ops ops, Slot slot, double lr, double weightDecay, long t) {
        var p = slot.parameter();
        kernel.update(ops, p.value(), p.grad(), slot.buffers().get(0), slot.buffers().get(1), step(lr, weightDecay, t));
    }

    private AdamWStep step(double lr, double weightDecay, long t) {
        return new AdamWStep(lr, settings.beta1(), settings.beta2(), settings.eps(), weightDecay, t);
    }

    /**
     * With the {@link AdamWKernel#BACKEND_FUSED} kernel: one {@link Ops#clippedAdamW} per trainable
     * parameter, reading its group's hyper-parameters from a tensor [{@value AdamW#TENSOR_SIZE}] that
     * {@link RecordedUpdate#beforeRun} rewrites each step.
     */
    @Override
    public Optional<RecordedUpdate> recordUpdate(Ops ops, List<Parameter> normOver, double maxNorm) {
        if (kernel != AdamWKernel.BACKEND_FUSED) return Optional.empty();
        RecordedGradientNorm norm = RecordedGradientNorm.record(ops, normOver);
        List<Tensor> hyper = new ArrayList<>(), state = new ArrayList<>();
        for (int g = 0; g < groups().size(); g++) {
            Tensor h = Tensor.zeros(AdamW.TENSOR_SIZE);
            hyper.add(h);
            for (Slot slot : slots(g)) {
                Tensor m = slot.buffers().get(0), v = slot.buffers().get(1);
                ops.clippedAdamW(slot.parameter().value(), slot.parameter().grad(), m, v, h, norm.total());
                state.addAll(List.of(slot.parameter().value(), m, v));
            }
        }
        return Optional.of(new RecordedUpdate(hyper, state, norm, learningRate -> {
            long t = countStep(learningRate);
            for (int g = 0; g < groups().size(); g++) {
                ParameterGroup group = groups().get(g);
                step(learningRate * group.lrMultiplier(), group.weightDecay(), t).toBackend().writeTo(hyper.get(g), (float) maxNorm);
            }
        }));
    }
}
