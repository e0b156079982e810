package org.peft4j.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The measured FMA ceiling that GEMM results are judged against: 16 independent chains of
 * {@code acc = acc·x + y} on {@code FloatVector.SPECIES_PREFERRED}, all in registers (enough
 * chains to hide FMA latency on two pipes). Each call performs {@link #FLOPS_PER_OP} flops
 * whatever the vector width; with 2 threads JMH reports the summed rate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 16;
    /** Flops per call: 2 per lane per FMA. */
    public static final long FLOPS_PER_OP = 1L << 26;
    private static final long STEPS = FLOPS_PER_OP / (2L * CHAINS * S.length());

    private final float x = 0.999f;
    private final float y = 1e-3f;

    @Benchmark
    @Threads(1)
    public float oneThread() {
        return chains(x, y);
    }

    @Benchmark
    @Threads(2)
    public float twoThreads() {
        return chains(x, y);
    }

    private static float chains(float x, float y) {
        FloatVector vx = FloatVector.broadcast(S, x), vy = FloatVector.broadcast(S, y);
        FloatVector a0 = vy, a1 = vy.add(1), a2 = vy.add(2), a3 = vy.add(3), a4 = vy.add(4), a5 = vy.add(5);
        FloatVector a6 = vy.add(6), a7 = vy.add(7), a8 = vy.add(8), a9 = vy.add(9), a10 = vy.add(10), a11 = vy.add(11);
        FloatVector a12 = vy.add(12), a13 = vy.add(13), a14 = vy.add(14), a15 = vy.add(15);
        for (long i = 0; i < STEPS; i++) {
            a0 = a0.fma(vx, vy); a1 = a1.fma(vx, vy); a2 = a2.fma(vx, vy); a3 = a3.fma(vx, vy);
            a4 = a4.fma(vx, vy); a5 = a5.fma(vx, vy); a6 = a6.fma(vx, vy); a7 = a7.fma(vx, vy);
            a8 = a8.fma(vx, vy); a9 = a9.fma(vx, vy); a10 = a10.fma(vx, vy); a11 = a11.fma(vx, vy);
            a12 = a12.fma(vx, vy); a13 = a13.fma(vx, vy); a14 = a14.fma(vx, vy); a15 = a15.fma(vx, vy);
        }
        FloatVector sum = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15);
        return sum.lane(0) + sum.lane(S.length() - 1);
    }
}
