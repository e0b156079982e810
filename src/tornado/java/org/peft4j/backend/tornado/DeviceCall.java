package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;

/**
 * One backend operation compiled for the device at one set of operand shapes: a task graph of
 * one or more kernels over dense staging arrays, in its own long-lived execution plan. Each run
 * copies the operands' views into the staging arrays, runs, and copies the results back:
 * <pre>
 *   tensor views ─copy─▶ staging ─(read, update: each run; sizes: once)─▶ kernels ─(write, update)─▶ staging ─copy─▶ views
 * </pre>
 * Calls at the same shapes share one compiled plan whatever tensors they get (the layers of a
 * model compile once), and host and device agree whenever {@link #run} returns.
 */
final class DeviceCall implements Device.Call, AutoCloseable {
    private final TornadoExecutionPlan plan;
    private final List<float[]> scalars;
    private final List<Operand> operands;
    private boolean profiled;

    private record Operand(Object staging, Device.Use use) {}

    private DeviceCall(TornadoExecutionPlan plan, List<float[]> scalars, List<Operand> operands) {
        this.plan = plan;
        this.scalars = scalars;
        this.operands = operands;
    }

    /** Fills the scalar blocks, copies {@code tensors} (Tensor or IntTensor, in operand order) in, runs, copies results out. */
    TornadoExecutionResult run(boolean profiled, float[][] scalarValues, Object... tensors) {
        if (tensors.length != operands.size()) {
            throw new IllegalArgumentException("device call takes " + operands.size() + " operands, got " + tensors.length);
        }
        for (int i = 0; i < scalarValues.length; i++) System.arraycopy(scalarValues[i], 0, scalars.get(i), 0, scalarValues[i].length);
        for (int i = 0; i < tensors.length; i++) {
            Operand o = operands.get(i);
            if (o.use() == Device.Use.WRITE) continue;
            if (tensors[i] instanceof Tensor t) System.arraycopy(t.data(), t.offset(), o.staging(), 0, t.size());
            else System.arraycopy(((IntTensor) tensors[i]).data(), 0, o.staging(), 0, ((IntTensor) tensors[i]).size());
        }
        if (profiled != this.profiled) {
            if (profiled) plan.withProfiler(ProfilerMode.SILENT);
            else plan.withoutProfiler();
            this.profiled = profiled;
        }
        TornadoExecutionResult result = plan.execute();
        for (int i = 0; i < tensors.length; i++) {
            Operand o = operands.get(i);
            if (o.use() == Device.Use.READ) continue;
            if (tensors[i] instanceof Tensor t) System.arraycopy(o.staging(), 0, t.data(), t.offset(), t.size());
            else System.arraycopy(o.staging(), 0, ((IntTensor) tensors[i]).data(), 0, ((IntTensor) tensors[i]).size());
        }
        return result;
    }

    @Override
    public void close() {
        release(plan);
    }

    /** Frees {@code plan}'s device memory. */
    static void release(TornadoExecutionPlan plan) {
        try {
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("could not release a TornadoVM execution plan", e);
        }
    }

    /** Collects the operands, sizes and kernels of one call, then compiles them into a plan. */
    static final class Builder implements Device.Builder {
        private final String graph;
        private final List<Operand> operands = new ArrayList<>();
        private final Set<Object> everyRun = new LinkedHashSet<>(), once = new LinkedHashSet<>(), results = new LinkedHashSet<>();
        private final List<float[]> scalars = new ArrayList<>();
        private final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
        private final GridScheduler grids = new GridScheduler();
        private boolean gridded;

        Builder(String graph) { this.graph = graph; }

        /** The next operand's staging array, sized like {@code like}. */
        @Override
        public float[] operand(Tensor like, Device.Use use) {
            return register(new float[like.size()], use);
        }

        @Override
        public int[] operand(IntTensor like, Device.Use use) {
            return register(new int[like.size()], use);
        }

        /** Allocated with the first run, never copied back. */
        @Override
        public float[] scratch(int size) {
            float[] array = new float[size];
            once.add(array);
            return array;
        }

        @Override
        public int[] sizes(int... values) {
            int[] copy = values.clone();
            once.add(copy);
            return copy;
        }

        /** Refilled and copied in before each run (learning rate, α, β ...). */
        @Override
        public float[] scalars(int count) {
            float[] block = new float[count];
            scalars.add(block);
            everyRun.add(block);
            return block;
        }

        @Override
        public Builder task(String id, BiConsumer<TaskGraph, String> add, WorkerGrid grid) {
            tasks.add(g -> add.accept(g, id));
            if (grid != null) {
                grids.addWorkerGrid(graph + "." + id, grid);
                gridded = true;
            }
            return this;
        }

        @Override
        public DeviceCall build() {
            TaskGraph g = new TaskGraph(graph);
            if (!once.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
            if (!everyRun.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, everyRun.toArray());
            for (Consumer<TaskGraph> t : tasks) t.accept(g);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, results.toArray());
            TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot());
            if (gridded) plan.withGridScheduler(grids);
            return new DeviceCall(plan, List.copyOf(scalars), List.copyOf(operands));
        }

        private <A> A register(A staging, Device.Use use) {
            operands.add(new Operand(staging, use));
            if (use != Device.Use.WRITE) everyRun.add(staging);
            if (use != Device.Use.READ) results.add(staging);
            return staging;
        }
    }
}
