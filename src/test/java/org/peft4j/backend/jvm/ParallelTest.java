package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The spinning worker team: coverage of the range, errors, nesting, several callers, shutdown. */
class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnceInTheFixedSplit() {
        try (Parallel pool = new Parallel(3)) {
            for (int n : new int[] {1, 2, 3, 7, 1000}) {
                for (int parts = 1; parts <= 4; parts++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    int[] chunkOf = new int[n];
                    int expectedParts = Math.min(parts, Math.min(3, n));
                    pool.forChunks(n, parts, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                            chunkOf[i] = from;
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "n=" + n + " parts=" + parts + " index " + i);
                        int p = 0;
                        while (Parallel.chunkStart(n, expectedParts, p + 1) <= i) p++;
                        assertEquals(Parallel.chunkStart(n, expectedParts, p), chunkOf[i], "chunk of " + i);
                    }
                }
            }
        }
    }

    @Test
    void chunksRunOnSeveralThreads() {
        try (Parallel pool = new Parallel(2)) {
            ConcurrentHashMap<String, Boolean> names = new ConcurrentHashMap<>();
            pool.forChunks(2, 2, (from, to) -> names.put(Thread.currentThread().getName(), true));
            assertEquals(2, names.size(), names.toString());
        }
    }

    @Test
    void aWorkersExceptionReachesTheCallerAndThePoolGoesOn() {
        try (Parallel pool = new Parallel(2)) {
            IllegalStateException thrown = new IllegalStateException("chunk 1 failed");
            assertSame(thrown, assertThrows(IllegalStateException.class,
                    () -> pool.forChunks(10, 2, (from, to) -> { if (from > 0) throw thrown; })));
            int[] sum = new int[1];
            pool.forChunks(10, 2, (from, to) -> { synchronized (sum) { sum[0] += to - from; } });
            assertEquals(10, sum[0]);
        }
    }

    @Test
    void aNestedCallRunsOnItsOwnThread() {
        try (Parallel pool = new Parallel(2)) {
            int[] counts = new int[100];
            pool.forChunks(2, 2, (from, to) -> pool.forChunks(50, 2, (f, t) -> {
                for (int i = f; i < t; i++) counts[from * 50 + i]++;
            }));
            int[] ones = new int[100];
            java.util.Arrays.fill(ones, 1);
            assertArrayEquals(ones, counts);
        }
    }

    @Test
    void callersOnSeveralThreadsTakeTurns() throws Exception {
        try (Parallel pool = new Parallel(2)) {
            long[] totals = new long[4];
            Thread[] callers = new Thread[4];
            for (int c = 0; c < callers.length; c++) {
                int caller = c;
                callers[c] = new Thread(() -> {
                    for (int round = 0; round < 2000; round++) {
                        long[] parts = new long[2];
                        pool.forChunks(1000, 2, (from, to) -> {
                            long s = 0;
                            for (int i = from; i < to; i++) s += i;
                            parts[from == 0 ? 0 : 1] = s;
                        });
                        totals[caller] += parts[0] + parts[1];
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) t.join();
            for (long total : totals) assertEquals(2000L * 999 * 1000 / 2, total);
        }
    }

    @Test
    void closeStopsTheWorkers() throws Exception {
        Parallel pool = new Parallel(3);
        pool.forChunks(3, 3, (from, to) -> {});
        pool.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!pool.workersStopped() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(pool.workersStopped(), "workers still running after close");
        assertThrows(IllegalStateException.class, () -> pool.forChunks(3, 3, (from, to) -> {}));
    }
}
