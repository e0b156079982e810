package org.peft4j.backend.tornado;

import java.util.function.BiConsumer;
import java.util.function.Function;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/**
 * Where the backend's device operations go. Each operation describes its kernels once, through a
 * {@link Builder}, then runs them with its scalars and operands:
 * <pre>
 *   Call c = device.call("gelu", build -&gt; build.task(...).build(), sizes...);
 *   device.run(c, scalars, x, y);
 * </pre>
 * {@link DeviceRunner} compiles each call into its own execution plan and runs it at once over
 * staged copies; {@link ResidentRecorder} adds the same kernels to the task graph of the current
 * plan stage, over the tensors' own arrays, to run later as part of a {@link ResidentPlan}.
 */
interface Device {
    /** For calls without scalar blocks. */
    float[][] NO_SCALARS = new float[0][];

    /** How a kernel uses an operand: read it, overwrite every element, or read and write it. */
    enum Use { READ, WRITE, UPDATE }

    /** A call's kernels, ready to run. */
    interface Call {}

    /** Collects the operands, sizes and kernels of one call. */
    interface Builder {
        /** The array the kernels see for the next operand {@code like}. */
        float[] operand(Tensor like, Use use);

        int[] operand(IntTensor like, Use use);

        /** An array only the device uses (partial sums ...), never copied back. */
        float[] scratch(int size);

        /** Constant integer arguments (sizes, strides), copied once. */
        int[] sizes(int... values);

        /** A block of {@code count} float scalars, filled by each {@link Device#run}. */
        float[] scalars(int count);

        /**
         * Adds a task: {@code add} receives the graph and the task's name there (made unique within
         * the graph from {@code id}); {@code grid} (may be null) fixes its global and local sizes.
         */
        Builder task(String id, BiConsumer<TaskGraph, String> add, WorkerGrid grid);

        Call build();
    }

    /** The call for {@code kernel} at {@code sizes} (shapes, flags: values, not arrays), described by {@code build}. */
    Call call(String kernel, Function<Builder, Call> build, Object... sizes);

    /** Runs {@code call} on {@code operands} (in the order its builder registered them) with these scalar blocks. */
    void run(Call call, float[][] scalars, Object... operands);

    /** The plan stage the following calls belong to (see {@code Ops.stage}). */
    default void stage(String name) {}

    /** Called before an operation falls back to the host for operands its kernels don't cover. */
    default void hostFallback(String op) {}
}
