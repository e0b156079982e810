package org.peft4j.backend.jvm;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * JVM backends with one and two threads, shared by the kernel tests (daemon workers, never
 * closed). Inputs of at least {@link Parallel#SERIAL_WORK_THRESHOLD} work units fork on two threads.
 */
final class TestBackends {
    private TestBackends() {}

    private static final JvmBackend ONE = new JvmBackend(1);
    private static final JvmBackend TWO = new JvmBackend(2);

    private static final Parallel ONE_POOL = new Parallel(1);
    private static final Parallel TWO_POOL = new Parallel(2);

    /** A worker pool of one or two threads, for kernels called without a backend (GEMM). */
    static Parallel pool(int n) {
        return ofThreads(n, ONE_POOL, TWO_POOL);
    }

    static JvmBackend threads(int n) {
        return ofThreads(n, ONE, TWO);
    }

    private static <T> T ofThreads(int n, T one, T two) {
        return switch (n) {
            case 1 -> one;
            case 2 -> two;
            default -> throw new IllegalArgumentException("tests use 1 or 2 threads, not " + n);
        };
    }

    /** Every {@code (threads, rows, cols)} of thread counts 1, 2 and the given matrix shapes. */
    static Stream<Arguments> threadsAndShapes(int[][] shapes) {
        return Stream.of(1, 2).flatMap(t -> Stream.of(shapes).map(s -> Arguments.of(t, s[0], s[1])));
    }

    /** Every {@code (threads, n)} of thread counts 1, 2 and the given sizes. */
    static Stream<Arguments> threadsAndSizes(int... sizes) {
        return Stream.of(1, 2).flatMap(t -> java.util.stream.IntStream.of(sizes).mapToObj(n -> Arguments.of(t, n)));
    }

    /**
     * Odd matrix shapes: single values, widths below, at and past a vector, and (last) one large
     * enough for every row kernel to fork on two threads.
     */
    static final int[][] MATRIX_SHAPES = {{1, 1}, {1, 3}, {3, 7}, {7, 33}, {2, 65}, {33, 16}, {5, 517}, {517, 131}};

    /** Odd flat sizes; the largest (over 2^16) forks the streaming kernels on two threads. */
    static final int[] SIZES = {1, 3, 7, 33, 65, 517, 70_001};
}
