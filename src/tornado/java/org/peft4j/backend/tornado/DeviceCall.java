package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;

/**
 * One backend operation compiled for the device: a task graph of one or more kernels over fixed
 * arrays, kept in its own long-lived execution plan and re-run with fresh scalars.
 * <pre>
 *   host ──(arrays, scalars: every run; shapes: first run)──▶ kernels ──(written arrays)──▶ host
 * </pre>
 * Every array goes in and every written array comes back on each run, so host and device agree
 * whenever {@link #run} returns; the kernels of one call share their intermediates on the device.
 * A {@link KeepKernel} task per output makes sure outputs are copied in as well as out.
 */
final class DeviceCall implements AutoCloseable {
    private final TornadoExecutionPlan plan;
    private final List<float[]> scalars;

    private DeviceCall(TornadoExecutionPlan plan, List<float[]> scalars) {
        this.plan = plan;
        this.scalars = scalars;
    }

    /** The {@code index}-th scalar block, to fill before {@link #run}. */
    float[] scalars(int index) { return scalars.get(index); }

    /** Runs the kernels; with {@code profiled}, the result carries transfer and kernel times. */
    TornadoExecutionResult run(boolean profiled) {
        if (profiled) plan.withProfiler(ProfilerMode.SILENT);
        else plan.withoutProfiler();
        return plan.execute();
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("could not release a TornadoVM execution plan", e);
        }
    }

    /** Collects the arrays, shapes and kernels of one call, then compiles them into a plan. */
    static final class Builder {
        private final String graph;
        private final Set<Object> inputs = new LinkedHashSet<>(), outputs = new LinkedHashSet<>(), shapes = new LinkedHashSet<>();
        private final List<float[]> scalars = new ArrayList<>();
        private final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
        private final GridScheduler grids = new GridScheduler();
        private boolean gridded;

        Builder(String graph) { this.graph = graph; }

        /** Arrays the kernels read (and, for partly written outputs, the old contents). */
        Builder reads(Object... arrays) {
            for (Object a : arrays) if (a != null) inputs.add(a);
            return this;
        }

        /** Arrays the kernels write: copied in too (they may be views), and back after the run. */
        Builder writes(Object... arrays) {
            for (Object a : arrays) {
                if (a != null) {
                    inputs.add(a);
                    outputs.add(a);
                }
            }
            return this;
        }

        /** Constant integer arguments (sizes, strides, offsets), copied once. */
        int[] shape(int... values) {
            int[] copy = values.clone();
            shapes.add(copy);
            return copy;
        }

        /** A scalar block refreshed by the caller before each run (learning rate, α, β ...). */
        float[] scalars(int count) {
            float[] block = new float[count];
            scalars.add(block);
            inputs.add(block);
            return block;
        }

        /** Adds a task; {@code grid} (may be null) fixes its global and local sizes. */
        Builder task(String id, Consumer<TaskGraph> add, WorkerGrid grid) {
            tasks.add(add);
            if (grid != null) {
                grids.addWorkerGrid(graph + "." + id, grid);
                gridded = true;
            }
            return this;
        }

        String graph() { return graph; }

        DeviceCall build() {
            TaskGraph g = new TaskGraph(graph);
            if (!shapes.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, shapes.toArray());
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs.toArray());
            int kept = 0;
            for (Object out : outputs) {
                String id = "keep" + kept++;
                if (out instanceof float[] floats) g.task(id, KeepKernel::touch, floats, 0);
                else g.task(id, KeepKernel::touch, (int[]) out, 0);
            }
            for (Consumer<TaskGraph> t : tasks) t.accept(g);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, outputs.toArray());
            TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot());
            if (gridded) plan.withGridScheduler(grids);
            return new DeviceCall(plan, List.copyOf(scalars));
        }
    }
}
