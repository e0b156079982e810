package org.peft4j.backend.tornado;

/**
 * TornadoVM copies an array to the device only if some task of the graph reads it: an output
 * that kernels only write is allocated fresh, and copying it back would overwrite the host's
 * elements outside the written view with whatever the device buffer held. This task reads and
 * writes each output under a condition that never holds at run time ({@code never} is 0), so
 * every output is copied in first and the elements a kernel leaves alone come back unchanged.
 */
public final class KeepKernel {
    private KeepKernel() {}

    public static void touch(float[] array, int never) {
        if (never == 1) array[0] = array[array.length - 1];
    }

    public static void touch(int[] array, int never) {
        if (never == 1) array[0] = array[array.length - 1];
    }
}
