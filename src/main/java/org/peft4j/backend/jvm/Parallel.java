package org.peft4j.backend.jvm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed team of worker threads sized to the cores. {@link #forRange} splits {@code [0, n)} into
 * one contiguous chunk per thread (a split that depends only on {@code n} and the thread count,
 * so results are reproducible) and runs small jobs on the calling thread alone.
 *
 * <p>A training step forks hundreds of times, often a few µs apart. Waking a parked thread costs
 * 40–90 µs on a virtual machine (a thread-pool hand-off measured here), so workers and the caller
 * spin on a generation counter for {@value #SPIN_NANOS} ns before parking:
 * <pre>
 *   caller: publish job (generation + 1) → unpark parked workers → run chunk 0 → spin until pending = 0
 *   worker: spin (then park) until a newer job appears → run chunk i → pending−−
 * </pre>
 * Calls from several threads take turns; a call from inside a job runs serially on its thread.
 */
public final class Parallel implements AutoCloseable {

    /** Work (in multiply-adds or element operations) below which one thread is faster here. */
    public static final long SERIAL_WORK_THRESHOLD = 1L << 16;

    /** How long an idle worker, or a caller waiting for one, spins before it parks. */
    static final long SPIN_NANOS = 200_000;

    /** A body over the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock turn = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    /** The latest job; a new one (next generation) is published only once the last has finished. */
    private volatile Job current = new Job(0, null, 0, 0);
    private volatile boolean closed;
    private volatile Throwable failure;

    private record Job(long generation, RangeBody body, int n, int parts) {}

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be ≥ 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
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
        if (parts == 1 || Thread.currentThread() instanceof Worker || turn.isHeldByCurrentThread()) {
            for (int p = 0; p < parts; p++) {
                int from = chunkStart(n, parts, p), to = chunkStart(n, parts, p + 1);
                if (from < to) body.run(from, to);
            }
            return;
        }
        turn.lock();
        try {
            if (closed) throw new IllegalStateException("this thread pool is closed");
            failure = null;
            pending.set(parts - 1);
            current = new Job(current.generation() + 1, body, n, parts);
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            try {
                body.run(0, chunkStart(n, parts, 1));
            } finally {
                awaitWorkers();
            }
            Throwable t = failure;
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error err) throw err;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            turn.unlock();
        }
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        for (int spins = 0; pending.get() > 0; spins++) {
            if ((spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) Thread.yield();
            else Thread.onSpinWait();
        }
    }

    /** Start of chunk {@code p} of {@code parts} over {@code [0, n)}. */
    public static int chunkStart(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    @Override
    public void close() {
        closed = true;
        turn.lock();
        try {
            current = new Job(current.generation() + 1, null, 0, 0);
        } finally {
            turn.unlock();
        }
        for (Worker w : workers) LockSupport.unpark(w);
    }

    /** Whether every worker thread has ended (after {@link #close}). */
    boolean workersStopped() {
        for (Worker w : workers) if (w.isAlive()) return false;
        return true;
    }

    /** Worker {@code index} runs chunk {@code index} of every job that has that many parts. */
    private final class Worker extends Thread {
        private final int index;
        volatile boolean parked;

        Worker(int index) {
            super("peft4j-worker-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                Job job = awaitJob(seen);
                seen = job.generation();
                if (closed) return;
                if (index >= job.parts()) continue;
                try {
                    job.body().run(chunkStart(job.n(), job.parts(), index), chunkStart(job.n(), job.parts(), index + 1));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }

        /** Spins, then parks, until a job newer than generation {@code seen} is published. */
        private Job awaitJob(long seen) {
            long start = System.nanoTime();
            for (int spins = 0; ; spins++) {
                Job job = current;
                if (job.generation() != seen) return job;
                if ((spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (current.generation() == seen) LockSupport.park(this);
                parked = false;
            }
        }
    }
}
