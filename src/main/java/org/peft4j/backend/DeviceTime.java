package org.peft4j.backend;

/**
 * Time a device backend spent in its calls (nanoseconds, as the device runtime's profiler
 * reports them): copies host → device, device → host, kernels, and the calls' total.
 */
public record DeviceTime(long calls, long hostToDevice, long deviceToHost, long kernels, long total) {
    public static final DeviceTime NONE = new DeviceTime(0, 0, 0, 0, 0);

    public DeviceTime plus(long hostToDeviceNanos, long deviceToHostNanos, long kernelNanos, long totalNanos) {
        return new DeviceTime(calls + 1, hostToDevice + hostToDeviceNanos, deviceToHost + deviceToHostNanos,
                kernels + kernelNanos, total + totalNanos);
    }

    /** Copying in both directions. */
    public long transfers() { return hostToDevice + deviceToHost; }
}
