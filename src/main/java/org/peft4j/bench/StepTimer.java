package org.peft4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Warm-up (a number of runs and at least half a second), then timed repetitions; reports the median
 * and the fastest run (seconds) and the heap allocated per run (a kernel whose vectors the JIT
 * failed to keep in registers allocates hundreds of MB per training step).
 */
public final class StepTimer {
    private StepTimer() {}

    /** The least time spent warming up. */
    public static final long MIN_WARMUP_NANOS = 500_000_000L;
    private static final int MAX_WARMUP_RUNS = 10_000;

    /**
     * Timing summary of repeated runs; {@code allocatedBytesPerRun} is what all threads allocated on
     * the heap per timed run, −1 where this JVM does not count it.
     */
    public record Timing(double medianSeconds, double minSeconds, int runs, long allocatedBytesPerRun) {}

    /** {@link #warmUp}, then {@code runs} timed runs. */
    public static Timing time(int warmup, int runs, Runnable body) {
        if (runs < 1) throw new IllegalArgumentException("need at least one timed run");
        warmUp(warmup, body);
        double[] seconds = new double[runs];
        long allocatedBefore = allocatedBytes();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        long allocated = allocatedBefore < 0 ? -1 : (allocatedBytes() - allocatedBefore) / runs;
        Arrays.sort(seconds);
        double median = runs % 2 == 1 ? seconds[runs / 2] : (seconds[runs / 2 - 1] + seconds[runs / 2]) / 2;
        return new Timing(median, seconds[0], runs, allocated);
    }

    /** Bytes allocated on the heap by all threads so far, or −1. */
    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /**
     * Runs {@code body} at least {@code warmup} times and, unless {@code warmup} is 0, for at least
     * {@link #MIN_WARMUP_NANOS} (a small kernel needs thousands of calls before the JIT has compiled it).
     */
    public static void warmUp(int warmup, Runnable body) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || (warmup > 0 && System.nanoTime() - start < MIN_WARMUP_NANOS && i < MAX_WARMUP_RUNS); i++) {
            body.run();
        }
    }
}
