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

    /**
     * Binds {@code plan} to this backend for repeated runs exchanging {@code io} with the host. The
     * default replays it call by call; a device backend may keep its other tensors resident.
     */
    default PreparedPlan prepare(Plan plan, PlanIO io) {
        return PreparedPlan.replay(plan, this, "");
    }

    /**
     * Whether {@link #prepare} keeps a plan's tensors on a device between runs, so that updating
     * parameters inside the plan (an optimizer step recorded into it) saves copying them each run.
     */
    default boolean keepsPlansResident() { return false; }

    @Override
    default void close() {}
}
