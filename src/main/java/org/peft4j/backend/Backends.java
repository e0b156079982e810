package org.peft4j.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends through {@link ServiceLoader}: {@code jvm} always, others where their runtime is present. */
public final class Backends {
    private Backends() {}

    /** Every provider on the class path, the JVM backend first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> found = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) found.add(p);
        found.sort((a, b) -> Boolean.compare(!a.name().equals("jvm"), !b.name().equals("jvm")));
        return found;
    }

    /**
     * The backend called {@code name}; {@code auto} picks the first available non-JVM backend,
     * else the JVM one.
     */
    public static Backend create(String name, int threads) {
        List<BackendProvider> all = providers();
        if (name.equals("auto")) {
            for (BackendProvider p : all) {
                if (!p.name().equals("jvm") && p.available()) return p.create(threads);
            }
            name = "jvm";
        }
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                if (!p.available()) {
                    throw new IllegalArgumentException("backend '" + name + "' is on the class path but not usable: " + p.describe());
                }
                return p.create(threads);
            }
        }
        List<String> names = all.stream().map(BackendProvider::name).toList();
        throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names + " or auto"
                + (name.equals("tornado") ? " (the TornadoVM backend is not on the class path of this build)" : ""));
    }
}
