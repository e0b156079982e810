package org.peft4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The textbook triple loop ({@code c[i][j] = Σ_p a[i][p]·b[p][j]}, one thread) as the floor. Square
 * shapes stop at 512³: at about 1 GFLOP/s, 1024³ and 2048³ would take seconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class NaiveGemmBenchmark {
    @Param({"NT_512x4096x16", "NT_512x16x4096", "TN_16x512x4096", "NN_512x512x512"})
    public String shape;

    private GemmShape s;
    private float[] a;
    private float[] b;
    private float[] c;

    @Setup(Level.Trial)
    public void setUp() {
        s = GemmShape.parse(shape);
        a = random(1, s.m() * s.k());
        b = random(2, s.k() * s.n());
        c = new float[s.m() * s.n()];
    }

    @Benchmark
    public float[] gemm() {
        int m = s.m(), n = s.n(), k = s.k();
        boolean ta = s.ta().transposed(), tb = s.tb().transposed();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    private static float[] random(long seed, int size) {
        float[] x = new float[size];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = 0; i < size; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }
}
