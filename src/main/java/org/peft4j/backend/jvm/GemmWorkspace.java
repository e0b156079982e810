package org.peft4j.backend.jvm;

/** One thread's packing buffers, grown on demand and reused by every GEMM that thread runs. */
final class GemmWorkspace {
    private static final ThreadLocal<GemmWorkspace> CURRENT = ThreadLocal.withInitial(GemmWorkspace::new);

    private float[] packedA = new float[0];
    private float[] packedB = new float[0];
    private final float[] tileSums = new float[Math.max(GemmMicroKernel.MR * GemmMicroKernel.NR,
            GemmDotKernel.RI * GemmDotKernel.RJ * GemmMicroKernel.L)];

    private GemmWorkspace() {}

    static GemmWorkspace current() {
        return CURRENT.get();
    }

    /** A buffer of at least {@code size} floats for packed A (contents undefined). */
    float[] packedA(int size) {
        if (packedA.length < size) packedA = new float[size];
        return packedA;
    }

    /** Room for the accumulators of one tile of either kernel. */
    float[] tileSums() {
        return tileSums;
    }

    /** A buffer of at least {@code size} floats for packed B (contents undefined). */
    float[] packedB(int size) {
        if (packedB.length < size) packedB = new float[size];
        return packedB;
    }
}
