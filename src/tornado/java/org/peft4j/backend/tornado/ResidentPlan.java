package org.peft4j.backend.tornado;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;

/**
 * A {@link Plan} kept on the device: one task graph per plan stage (a layer's forward, a layer's
 * backward, the loss ...), all in one long-lived execution plan, run in stage order every time.
 * Arrays move as little as the {@link PlanIO} allows:
 * <pre>
 *   stage k graph:  consume from stage k−1   arrays first used before k and used again at k or later
 *                   copy in, every run       inputs first used at k (batch, seed, host-updated values)
 *                   copy in, first run only  every other array first used at k (frozen weights ...)
 *                   tasks
 *                   persist for stage k+1    arrays used at k or before and again after k
 *                   copy out, every run      outputs last used at k (loss, gradients)
 *                   copy out, on request     state last used at k (parameters and moments an update in the plan changes)
 * </pre>
 * TornadoVM hands device buffers only from the graph that ran just before, so an activation saved
 * in layer 0's forward for its backward travels through every graph in between.
 */
final class ResidentPlan implements PreparedPlan {
    private final TornadoExecutionPlan plan;
    private final int graphs;
    private final Map<Integer, Object[]> stateByGraph;
    private final String description;
    private final DeviceRunner timings;
    private TornadoExecutionResult lastResult;
    private boolean countBytes, profilerOn;
    private long bytesIn, bytesOut;

    private ResidentPlan(TornadoExecutionPlan plan, int graphs, Map<Integer, Object[]> stateByGraph, String description,
                         DeviceRunner timings) {
        this.plan = plan;
        this.graphs = graphs;
        this.stateByGraph = stateByGraph;
        this.description = description;
        this.timings = timings;
    }

    /**
     * Records {@code recorded} into task graphs; {@link UnsupportedOperationException} naming every
     * operation without a device kernel, or a tensor the graphs can't hold, when it can't be. While
     * {@code timings} profiles, each run adds its graphs' copy and kernel times there.
     */
    static ResidentPlan compile(Plan recorded, PlanIO io, String deviceName, DeviceRunner timings) {
        requireDeviceKernels(recorded);
        ResidentRecorder recorder = new ResidentRecorder();
        try (TornadoBackend facade = new TornadoBackend(deviceName, recorder)) {
            recorded.run(facade);
        }
        List<ResidentRecorder.Stage> stages = recorder.stages();
        Set<Object> inputs = arraysOf(io.inputs()), outputs = arraysOf(io.outputs()), state = arraysOf(io.state());
        Map<Integer, Object[]> stateByGraph = new TreeMap<>();
        Map<Object, int[]> span = new IdentityHashMap<>();
        List<Object> arrays = new ArrayList<>();
        for (int k = 0; k < stages.size(); k++) {
            for (Object a : stages.get(k).arrays) {
                int[] firstLast = span.get(a);
                if (firstLast == null) {
                    span.put(a, new int[] {k, k});
                    arrays.add(a);
                } else {
                    firstLast[1] = k;
                }
            }
        }
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        GridScheduler grids = new GridScheduler();
        String previous = null;
        int tasks = 0;
        for (int k = 0; k < stages.size(); k++) {
            ResidentRecorder.Stage stage = stages.get(k);
            String name = "s" + k + "_" + stage.name.replaceAll("\\W", "_");
            TaskGraph g = new TaskGraph(name);
            List<Object> carried = new ArrayList<>(), everyRun = new ArrayList<>(), once = new ArrayList<>(stage.constants);
            List<Object> persist = new ArrayList<>(), copyOut = new ArrayList<>(), onRequest = new ArrayList<>();
            for (Object a : arrays) {
                int first = span.get(a)[0], last = span.get(a)[1];
                if (first < k && k <= last) carried.add(a);
                if (first == k) (inputs.contains(a) ? everyRun : once).add(a);
                if (first <= k && k < last) persist.add(a);
                if (last == k && outputs.contains(a)) copyOut.add(a);
                else if (last == k && state.contains(a)) onRequest.add(a);
            }
            if (!carried.isEmpty()) g.consumeFromDevice(previous, carried.toArray());
            if (!everyRun.isEmpty()) g.transferToDevice(DataTransferMode.EVERY_EXECUTION, everyRun.toArray());
            if (!once.isEmpty()) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
            stage.tasks.forEach(t -> t.accept(g));
            if (!persist.isEmpty()) g.persistOnDevice(persist.toArray());
            if (!copyOut.isEmpty()) g.transferToHost(DataTransferMode.EVERY_EXECUTION, copyOut.toArray());
            if (!onRequest.isEmpty()) {
                g.transferToHost(DataTransferMode.UNDER_DEMAND, onRequest.toArray());
                stateByGraph.put(k, onRequest.toArray());
            }
            stage.grids.forEach((task, grid) -> grids.addWorkerGrid(name + "." + task, grid));
            graphs.add(g.snapshot());
            tasks += stage.tasks.size();
            previous = name;
        }
        TornadoExecutionPlan plan = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new));
        plan.withGridScheduler(grids);
        return new ResidentPlan(plan, graphs.size(), stateByGraph, "resident on the device: " + graphs.size() + " task graphs, " + tasks
                + " kernels, " + arrays.size() + " arrays; per run " + inputs.size() + " arrays in, " + outputs.size() + " out"
                + (state.isEmpty() ? "" : "; " + state.size() + " kept there"), timings);
    }

    @Override
    public void run() {
        boolean timed = timings.profiling();
        useProfiler(countBytes || timed);
        long in = 0, out = 0;
        for (int k = 0; k < graphs; k++) {
            TornadoExecutionResult result = plan.withGraph(k).execute();
            lastResult = result;
            if (profilerOn) {
                TornadoProfilerResult p = result.getProfilerResult();
                in += p.getTotalBytesCopyIn();
                out += p.getTotalBytesCopyOut();
                if (timed) timings.add(p);
            }
        }
        bytesIn = in;
        bytesOut = out;
    }

    /** Copies each state array from the graph that used it last (TornadoVM syncs the selected graph's buffers). */
    @Override
    public void pullState() {
        if (lastResult == null) return;
        stateByGraph.forEach((k, arrays) -> {
            plan.withGraph(k);
            lastResult.transferToHost(arrays);
        });
    }

    @Override
    public String description() { return description; }

    /** Counts the bytes each run copies (TornadoVM's profiler, which adds a little overhead). */
    void profile(boolean on) { countBytes = on; }

    private void useProfiler(boolean on) {
        if (on == profilerOn) return;
        if (on) plan.withProfiler(ProfilerMode.SILENT);
        else plan.withoutProfiler();
        profilerOn = on;
    }

    /** Bytes copied to the device by the last profiled run. */
    long bytesIn() { return bytesIn; }

    /** Bytes copied back to the host by the last profiled run. */
    long bytesOut() { return bytesOut; }

    @Override
    public void close() {
        DeviceCall.release(plan);
    }

    /** Every operation of the plan must be one {@link TornadoBackend} runs on the device (it declares it). */
    private static void requireDeviceKernels(Plan recorded) {
        Set<String> missing = new TreeSet<>();
        for (Plan.Invocation call : recorded.invocations()) {
            Method m = call.kernel();
            try {
                TornadoBackend.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        if (!missing.isEmpty()) throw new UnsupportedOperationException("no device kernel for " + String.join(", ", missing));
    }

    private static Set<Object> arraysOf(List<Object> tensors) {
        Set<Object> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Object t : tensors) arrays.add(t instanceof Tensor x ? x.data() : ((IntTensor) t).data());
        return arrays;
    }
}
