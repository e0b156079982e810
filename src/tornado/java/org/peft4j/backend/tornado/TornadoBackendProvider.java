package org.peft4j.backend.tornado;

import org.peft4j.backend.Backend;
import org.peft4j.backend.BackendProvider;

/**
 * Registers {@link TornadoBackend} as {@code tornado}. It is usable only in a JVM launched with
 * TornadoVM (its {@code tornado} launcher or {@code java @$TORNADOVM_HOME/tornado-argfile}); this
 * class itself loads without TornadoVM, so the same jar runs the JVM backend everywhere.
 */
public final class TornadoBackendProvider implements BackendProvider {
    @Override public String name() { return "tornado"; }

    @Override
    public boolean available() {
        return probe() == null;
    }

    @Override
    public String describe() {
        String problem = probe();
        return problem != null ? problem : "TornadoVM, " + String.join("; ", TornadoDevices.describe());
    }

    /** TornadoVM's bytecode buffer per task graph; a layer's graph in a resident plan outgrows the default 4 KiB. */
    private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";

    @Override
    public Backend create(int threads) {
        if (System.getProperty(BYTECODE_SIZE) == null) System.setProperty(BYTECODE_SIZE, String.valueOf(1 << 18));
        return new TornadoBackend(threads, TornadoDevices.defaultDevice());
    }

    /** Why TornadoVM cannot run here, or null when it can. */
    private static String probe() {
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            return "TornadoVM runtime not loaded: launch with the tornado launcher or java @$TORNADOVM_HOME/tornado-argfile"
                    + " (scripts/peft4j --tornado does this)";
        }
        try {
            return TornadoDevices.describe().isEmpty() ? "TornadoVM found no device" : null;
        } catch (LinkageError | RuntimeException e) {
            return "TornadoVM runtime failed to start: " + e;
        }
    }
}
