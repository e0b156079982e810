package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.peft4j.backend.DeviceTime;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;

/**
 * The compiled {@link DeviceCall}s of one backend, by kernel and by the sizes they were built for
 * (the layers of a model and the steps of a run reuse them, so TornadoVM compiles each kernel once
 * per shape), how they are run, and the device time they took.
 */
final class DeviceRunner implements Device, AutoCloseable {
    private final Map<List<Object>, DeviceCall> calls = new HashMap<>();
    private boolean profiled;
    private DeviceTime times = DeviceTime.NONE;

    /** Compiled on first use, then shared by every call at the same sizes. */
    @Override
    public Call call(String kernel, Function<Builder, Call> build, Object... sizes) {
        List<Object> key = new ArrayList<>(sizes.length + 1);
        key.add(kernel);
        key.addAll(Arrays.asList(sizes));
        return calls.computeIfAbsent(key, k -> (DeviceCall) build.apply(new DeviceCall.Builder(kernel + "_" + calls.size())));
    }

    /** Copies the operands in, runs, and copies the results back. */
    @Override
    public void run(Call call, float[][] scalars, Object... operands) {
        TornadoExecutionResult result = ((DeviceCall) call).run(profiled, scalars, operands);
        if (profiled) add(result.getProfilerResult());
    }

    /** Adds one profiled execution's copy and kernel times (a per-call run, or a graph of a {@link ResidentPlan}). */
    void add(TornadoProfilerResult p) {
        times = times.plus(p.getDeviceWriteTime(), p.getDeviceReadTime(), p.getDeviceKernelTime(), p.getTotalTime());
    }

    void profile(boolean on) { profiled = on; }

    boolean profiling() { return profiled; }

    DeviceTime times() { return times; }

    void resetTimes() { times = DeviceTime.NONE; }

    int compiledCalls() { return calls.size(); }

    @Override
    public void close() {
        calls.values().forEach(DeviceCall::close);
        calls.clear();
    }
}
