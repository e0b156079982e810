package org.peft4j.backend;

/** An executor of {@link Ops}: the JVM (Vector API) backend, or TornadoVM where present. */
public interface Backend extends Ops, AutoCloseable {
    /** Short name as used by {@code --backend} (e.g. {@code jvm}, {@code tornado}). */
    String name();

    /** Number of worker threads (or devices' compute units) this backend uses. */
    int parallelism();

    /** Starts (or stops) timing device calls; a host backend has none to time. */
    default void profileDevice(boolean on) {}

    /** Device time since the last {@link #resetDeviceTime}, while profiling; {@link DeviceTime#NONE} on the host. */
    default DeviceTime deviceTime() { return DeviceTime.NONE; }

    default void resetDeviceTime() {}

    @Override
    default void close() {}
}
