package org.peft4j.backend;

/**
 * Service-provider interface through which backends are found at run time
 * ({@code META-INF/services/org.peft4j.backend.BackendProvider}); the core never links a
 * device runtime directly.
 */
public interface BackendProvider {
    /** The {@code --backend} name. */
    String name();

    /** True when this backend's runtime is present and has a usable device. */
    boolean available();

    /** One line on what this backend would run on (devices, threads). */
    String describe();

    /** Creates the backend with {@code threads} host threads (0: one per available core). */
    Backend create(int threads);
}
