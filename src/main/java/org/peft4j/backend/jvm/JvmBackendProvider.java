package org.peft4j.backend.jvm;

import org.peft4j.backend.Backend;
import org.peft4j.backend.BackendProvider;

/** Registers {@link JvmBackend} under the name {@code jvm}. */
public final class JvmBackendProvider implements BackendProvider {
    @Override public String name() { return "jvm"; }
    @Override public boolean available() { return true; }

    @Override
    public String describe() {
        return "JVM, " + Runtime.getRuntime().availableProcessors() + " threads, Vector API "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit";
    }

    @Override public Backend create(int threads) { return new JvmBackend(threads); }
}
