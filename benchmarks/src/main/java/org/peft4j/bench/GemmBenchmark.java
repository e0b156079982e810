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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/**
 * peft4j's JVM GEMM through the public backend: the LoRA products of a 4096-wide layer with rank
 * 16 over 512 tokens (x·Aᵀ, h·Bᵀ, and the weight gradient dA = dHᵀ·x) and square 1024³, 2048³.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {
    @Param({"NT_512x4096x16", "NT_512x16x4096", "TN_16x512x4096", "NN_1024x1024x1024", "NN_2048x2048x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmShape s;
    private JvmBackend backend;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup(Level.Trial)
    public void setUp() {
        s = GemmShape.parse(shape);
        backend = new JvmBackend(threads);
        a = Tensor.uniform(1, 1f, s.aShape());
        b = Tensor.uniform(2, 1f, s.bShape());
        c = Tensor.zeros(s.m(), s.n());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor gemm() {
        backend.gemm(s.ta(), s.tb(), 1f, a, b, 0f, c);
        return c;
    }
}
