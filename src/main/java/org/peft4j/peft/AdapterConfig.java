package org.peft4j.peft;

import java.util.List;
import java.util.Map;

/**
 * Hyper-parameters of one adapter, named as PEFT's {@code LoraConfig}: rank {@code r},
 * {@code lora_alpha}, {@code lora_dropout}, {@code target_modules}, {@code use_rslora}
 * (scale α/√r instead of α/r), {@code init_lora_weights}, {@code rank_pattern} /
 * {@code alpha_pattern} (per-module overrides, keys matched like target names or as regex),
 * {@code modules_to_save}; {@code options} holds method-specific settings (e.g. VeRA's
 * projection seed); {@code seed} makes initialisation reproducible.
 */
public record AdapterConfig(String method, int r, float alpha, float dropout, TargetModules targets,
                            boolean useRslora, String init, Map<String, Integer> rankPattern,
                            Map<String, Float> alphaPattern, List<String> modulesToSave,
                            Map<String, Object> options, long seed) {
    public AdapterConfig {
        if (r < 1) throw new IllegalArgumentException("adapter rank r must be ≥ 1, got " + r);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora_dropout must lie in [0, 1), got " + dropout);
        rankPattern = rankPattern == null ? Map.of() : Map.copyOf(rankPattern);
        alphaPattern = alphaPattern == null ? Map.of() : Map.copyOf(alphaPattern);
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
        options = options == null ? Map.of() : Map.copyOf(options);
        init = init == null ? "default" : init;
    }

    /** A plain configuration: PEFT defaults for everything not given. */
    public static AdapterConfig of(String method, int r, float alpha, TargetModules targets) {
        return new AdapterConfig(method, r, alpha, 0f, targets, false, "default", Map.of(), Map.of(), List.of(), Map.of(), 0);
    }

    public AdapterConfig withDropout(float p) { return new AdapterConfig(method, r, alpha, p, targets, useRslora, init, rankPattern, alphaPattern, modulesToSave, options, seed); }
    public AdapterConfig withRslora(boolean rs) { return new AdapterConfig(method, r, alpha, dropout, targets, rs, init, rankPattern, alphaPattern, modulesToSave, options, seed); }
    public AdapterConfig withInit(String how) { return new AdapterConfig(method, r, alpha, dropout, targets, useRslora, how, rankPattern, alphaPattern, modulesToSave, options, seed); }
    public AdapterConfig withModulesToSave(String... modules) { return new AdapterConfig(method, r, alpha, dropout, targets, useRslora, init, rankPattern, alphaPattern, List.of(modules), options, seed); }
    public AdapterConfig withSeed(long s) { return new AdapterConfig(method, r, alpha, dropout, targets, useRslora, init, rankPattern, alphaPattern, modulesToSave, options, s); }
    public AdapterConfig withPatterns(Map<String, Integer> ranks, Map<String, Float> alphas) { return new AdapterConfig(method, r, alpha, dropout, targets, useRslora, init, ranks, alphas, modulesToSave, options, seed); }

    public AdapterConfig withOption(String key, Object value) {
        Map<String, Object> o = new java.util.HashMap<>(options);
        o.put(key, value);
        return new AdapterConfig(method, r, alpha, dropout, targets, useRslora, init, rankPattern, alphaPattern, modulesToSave, o, seed);
    }

    /** The rank for {@code module}: a {@code rank_pattern} entry that matches it, else r. */
    public int rankFor(String module) { return pattern(rankPattern, module, r); }

    /** The alpha for {@code module}: an {@code alpha_pattern} entry that matches it, else alpha. */
    public float alphaFor(String module) { return pattern(alphaPattern, module, alpha); }

    /** A number option with its default. */
    public double option(String key, double fallback) {
        Object v = options.get(key);
        return v == null ? fallback : ((Number) v).doubleValue();
    }

    /** A true/false option with its default; any other value is an error naming the option. */
    public boolean option(String key, boolean fallback) {
        Object v = options.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("option " + key + " must be true or false, got " + v);
    }

    private static <T> T pattern(Map<String, T> patterns, String module, T fallback) {
        for (Map.Entry<String, T> e : patterns.entrySet()) {
            if (TargetModules.matchesName(List.of(e.getKey()), module) || module.matches(e.getKey())) return e.getValue();
        }
        return fallback;
    }
}
