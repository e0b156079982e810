package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.TornadoProfilerResult;

/** Time spent in device calls since the last {@link TornadoBackend#resetTimes}, split as TornadoVM's profiler reports it (ns). */
public record DeviceTimes(long calls, long hostToDevice, long deviceToHost, long kernels, long total) {
    static final DeviceTimes ZERO = new DeviceTimes(0, 0, 0, 0, 0);

    DeviceTimes plus(TornadoProfilerResult p) {
        return new DeviceTimes(calls + 1, hostToDevice + p.getDeviceWriteTime(), deviceToHost + p.getDeviceReadTime(),
                kernels + p.getDeviceKernelTime(), total + p.getTotalTime());
    }

    /** Copying in both directions. */
    public long transfers() { return hostToDevice + deviceToHost; }
}
