package org.peft4j.backend.tornado;

import java.util.function.Function;
import org.peft4j.backend.DeviceTime;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;

/** The compiled {@link DeviceCall}s of one backend, how they are run, and the device time they took. */
final class DeviceRunner implements AutoCloseable {
    /** For calls without scalar blocks. */
    static final float[][] NO_SCALARS = new float[0][];

    private final DeviceCalls calls = new DeviceCalls();
    private boolean profiled;
    private DeviceTime times = DeviceTime.NONE;

    /** The call for {@code kernel} at {@code sizes}, compiled on first use (see {@link DeviceCalls#get}). */
    DeviceCall call(String kernel, Function<DeviceCall.Builder, DeviceCall> build, Object... sizes) {
        return calls.get(kernel, build, sizes);
    }

    /** Runs {@code call} on {@code operands} (in the order its builder registered them) with fresh scalar blocks. */
    void run(DeviceCall call, float[][] scalars, Object... operands) {
        TornadoExecutionResult result = call.run(profiled, scalars, operands);
        if (profiled) {
            TornadoProfilerResult p = result.getProfilerResult();
            times = times.plus(p.getDeviceWriteTime(), p.getDeviceReadTime(), p.getDeviceKernelTime(), p.getTotalTime());
        }
    }

    void profile(boolean on) { profiled = on; }

    DeviceTime times() { return times; }

    void resetTimes() { times = DeviceTime.NONE; }

    int compiledCalls() { return calls.size(); }

    @Override
    public void close() { calls.close(); }
}
