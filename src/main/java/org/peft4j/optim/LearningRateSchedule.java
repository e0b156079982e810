package org.peft4j.optim;

/**
 * The learning rate as a pure function of the number of completed optimizer steps, as the schedules of
 * Hugging Face {@code transformers.optimization} (a {@code LambdaLR}, whose counter is 0 for the first update:
 * with warmup the first update uses lr 0).
 */
public sealed interface LearningRateSchedule {

    /** The learning rate for the update that follows {@code step} completed steps. */
    double at(long step);

    /** {@code get_constant_schedule}: lr at every step. */
    record Constant(double lr) implements LearningRateSchedule {
        public Constant {
            requireRate("lr", lr);
        }

        @Override public double at(long step) {
            requireStep(step);
            return lr;
        }
    }

    /**
     * {@code get_linear_schedule_with_warmup}: with W warmup and T total steps,
     * {@code peak · s/max(1,W)} for s &lt; W, then {@code peak · max(0, (T−s)/max(1, T−W))}.
     */
    record LinearWarmupDecay(double peakLr, long warmupSteps, long totalSteps) implements LearningRateSchedule {
        public LinearWarmupDecay {
            requireRate("peakLr", peakLr);
            requireSteps(warmupSteps, totalSteps);
        }

        @Override public double at(long step) {
            requireStep(step);
            if (step < warmupSteps) return peakLr * warmup(step, warmupSteps);
            return peakLr * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        }
    }

    /**
     * {@code get_cosine_schedule_with_warmup} (half a cosine), with the floor of
     * {@code get_cosine_with_min_lr_schedule_with_warmup(min_lr_rate)}: linear warmup, then with
     * {@code p = (s−W)/max(1, T−W)} clamped to 1,
     * {@code peak · (½(1 + cos πp)·(1 − r) + r)}. Steps past T hold the final value {@code peak·r}.
     */
    record WarmupCosine(double peakLr, long warmupSteps, long totalSteps, double minLrRatio) implements LearningRateSchedule {
        public WarmupCosine {
            requireRate("peakLr", peakLr);
            requireSteps(warmupSteps, totalSteps);
            if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
                throw new IllegalArgumentException("minLrRatio must lie in [0, 1], got " + minLrRatio);
            }
        }

        @Override public double at(long step) {
            requireStep(step);
            if (step < warmupSteps) return peakLr * warmup(step, warmupSteps);
            double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
            double cosine = 0.5 * (1.0 + Math.cos(Math.PI * progress));
            return peakLr * Math.max(0.0, cosine * (1 - minLrRatio) + minLrRatio);
        }
    }

    private static double warmup(long step, long warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
    }

    private static void requireRate(String what, double lr) {
        if (!(lr >= 0 && Double.isFinite(lr))) throw new IllegalArgumentException(what + " must be finite and >= 0, got " + lr);
    }

    private static void requireSteps(long warmupSteps, long totalSteps) {
        if (warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps <= totalSteps, got warmupSteps=" + warmupSteps
                    + ", totalSteps=" + totalSteps);
        }
    }

    private static void requireStep(long step) {
        if (step < 0) throw new IllegalArgumentException("schedule step must be >= 0, got " + step);
    }
}
