package org.peft4j.bench;

import java.util.concurrent.TimeUnit;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
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

/** EJML's float GEMM on the shapes of {@link GemmBenchmark}: CommonOps_FDRM, or CommonOps_MT_FDRM for 2 threads. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class EjmlGemmBenchmark {
    @Param({"NT_512x4096x16", "NT_512x16x4096", "TN_16x512x4096", "NN_1024x1024x1024", "NN_2048x2048x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmShape s;
    private FMatrixRMaj a;
    private FMatrixRMaj b;
    private FMatrixRMaj c;

    @Setup(Level.Trial)
    public void setUp() {
        s = GemmShape.parse(shape);
        a = random(1, s.aShape());
        b = random(2, s.bShape());
        c = new FMatrixRMaj(s.m(), s.n());
        EjmlConcurrency.setMaxThreads(threads);
    }

    @Benchmark
    public FMatrixRMaj gemm() {
        boolean mt = threads > 1;
        switch (s.ta().name() + s.tb().name()) {
            case "NN" -> { if (mt) CommonOps_MT_FDRM.mult(a, b, c); else CommonOps_FDRM.mult(a, b, c); }
            case "NT" -> { if (mt) CommonOps_MT_FDRM.multTransB(a, b, c); else CommonOps_FDRM.multTransB(a, b, c); }
            case "TN" -> { if (mt) CommonOps_MT_FDRM.multTransA(a, b, c); else CommonOps_FDRM.multTransA(a, b, c); }
            default -> { if (mt) CommonOps_MT_FDRM.multTransAB(a, b, c); else CommonOps_FDRM.multTransAB(a, b, c); }
        }
        return c;
    }

    private static FMatrixRMaj random(long seed, int[] shape) {
        FMatrixRMaj m = new FMatrixRMaj(shape[0], shape[1]);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = 0; i < m.data.length; i++) m.data[i] = (float) (rng.nextDouble() * 2 - 1);
        return m;
    }
}
