package org.peft4j.backend;

/** An executor of {@link Ops}: the JVM (Vector API) backend, or TornadoVM where present. */
public interface Backend extends Ops, AutoCloseable {
    /** Short name as used by {@code --backend} (e.g. {@code jvm}, {@code tornado}). */
    String name();

    /** Number of worker threads (or devices' compute units) this backend uses. */
    int parallelism();

    @Override
    default void close() {}
}
