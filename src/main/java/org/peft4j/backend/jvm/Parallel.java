package org.peft4j.backend.jvm;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * A fixed pool of worker threads sized to the cores. {@link #forRange} splits {@code [0, n)}
 * into one contiguous chunk per thread (a split that depends only on {@code n} and the thread
 * count, so results are reproducible) and runs small jobs on the calling thread alone.
 */
public final class Parallel implements AutoCloseable {

    /** Work (in multiply-adds or element operations) below which one thread is faster here. */
    public static final long SERIAL_WORK_THRESHOLD = 1L << 16;

    /** A body over the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService workers;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be ≥ 1, got " + threads);
        this.threads = threads;
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "peft4j-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() { return threads; }

    /** Runs {@code body} over {@code [0, n)}; {@code totalWork} decides whether to fork at all. */
    public void forRange(int n, long totalWork, RangeBody body) {
        int parts = Math.min(threads, n);
        if (parts <= 1 || totalWork < SERIAL_WORK_THRESHOLD) {
            if (n > 0) body.run(0, n);
            return;
        }
        forChunks(n, parts, body);
    }

    /** Runs {@code body} over {@code parts} near-equal contiguous chunks of {@code [0, n)}, one per thread. */
    public void forChunks(int n, int parts, RangeBody body) {
        parts = Math.max(1, Math.min(parts, Math.min(threads, n)));
        if (parts == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] pending = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = chunkStart(n, parts, p);
            int to = chunkStart(n, parts, p + 1);
            pending[p - 1] = workers.submit(() -> body.run(from, to));
        }
        body.run(0, chunkStart(n, parts, 1));
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a worker", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Start of chunk {@code p} of {@code parts} over {@code [0, n)}. */
    public static int chunkStart(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    @Override
    public void close() {
        if (workers != null) workers.shutdownNow();
    }
}
