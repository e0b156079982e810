package org.peft4j.bench;

import java.util.Arrays;

/** Warm-up, then timed repetitions; reports the median and the fastest run (seconds). */
public final class StepTimer {
    private StepTimer() {}

    /** Timing summary of repeated runs. */
    public record Timing(double medianSeconds, double minSeconds, int runs) {}

    public static Timing time(int warmup, int runs, Runnable body) {
        if (runs < 1) throw new IllegalArgumentException("need at least one timed run");
        for (int i = 0; i < warmup; i++) body.run();
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(seconds);
        double median = runs % 2 == 1 ? seconds[runs / 2] : (seconds[runs / 2 - 1] + seconds[runs / 2]) / 2;
        return new Timing(median, seconds[0], runs);
    }
}
