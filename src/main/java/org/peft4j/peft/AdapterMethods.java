package org.peft4j.peft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry: one line per method. */
public final class AdapterMethods {
    private AdapterMethods() {}

    private static final Map<String, AdapterMethod> REGISTRY = new LinkedHashMap<>();

    static {
        register(new Lora());
        register(new DyLora());
        register(new Sora());
        register(new Dora());
        register(new Vera());
        register(new Nola());
        register(new RandLora());
        register(new LoraXs());
        register(new LoraSb());
        register(new Loldu());
        register(new SvFit());
        register(new Salt());
        register(new Hydra());
    }

    /** Adds (or replaces) a method under its {@link AdapterMethod#name()}: peft4j's own in the block above, others' from outside. */
    public static void register(AdapterMethod method) {
        REGISTRY.put(method.name(), method);
    }

    public static AdapterMethod get(String name) {
        AdapterMethod m = REGISTRY.get(name);
        if (m == null) throw new IllegalArgumentException("unknown adapter method '" + name + "'; known: " + String.join(", ", names()));
        return m;
    }

    public static List<String> names() { return List.copyOf(REGISTRY.keySet()); }
}
