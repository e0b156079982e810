package org.peft4j.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named adapter setups for fine-tuning:
 * <pre>
 *   kv-lora   LoRA on the attention key and value projections only (target_modules key, value), the
 *             adapter memory-bank compression (MBC) trains alongside its memory bank
 * </pre>
 */
public final class AdapterPresets {
    private AdapterPresets() {}

    /** An adapter method and its target_modules. */
    public record Preset(String method, List<String> targets) {}

    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("kv-lora", new Preset("lora", List.of("key", "value")));
    }

    public static Preset get(String name) {
        Preset p = PRESETS.get(name);
        if (p == null) throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + String.join(", ", PRESETS.keySet()));
        return p;
    }
}
