package org.peft4j.optim;

import java.util.List;
import java.util.Objects;
import org.peft4j.backend.Ops;

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
        kernel.update(ops, p.value(), p.grad(), slot.buffers().get(0), slot.buffers().get(1),
                new AdamWStep(lr, settings.beta1(), settings.beta2(), settings.eps(), weightDecay, t));
    }
}
