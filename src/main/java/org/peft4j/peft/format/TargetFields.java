package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.peft4j.peft.TargetModules;

/**
 * {@code target_modules}, {@code exclude_modules}, {@code layers_to_transform} and
 * {@code layers_pattern} ↔ {@link TargetModules}. As in PEFT: a list of names matches a module
 * whose name equals an entry or ends with {@code "." + entry}; a string is a regex the whole name
 * must match, or {@code "all-linear"}; {@code layers_to_transform} is an index or a list of them.
 */
final class TargetFields {
    private TargetFields() {}

    /** The layer-list names peft4j finds layer indices under ({@code encoder.layer.3.…}, {@code h.3.…}). */
    private static final List<String> LAYER_PATTERNS = List.of("layer", "layers", "h", "blocks");

    static void write(ObjectNode json, TargetModules t, boolean withExclude) {
        if (!t.layers().isEmpty() && !(t.peftValue() instanceof List)) {
            throw new IllegalArgumentException("PEFT refuses layers_to_transform with a string target_modules ("
                    + t.peftValue() + "); list module names instead");
        }
        if (t.regex() != null || t.allLinear()) json.put("target_modules", t.regex() != null ? t.regex() : "all-linear");
        else t.names().forEach(json.putArray("target_modules")::add);
        boolean excludes = !t.exclude().isEmpty() || t.excludeRegex() != null;
        if (withExclude) {
            if (!t.exclude().isEmpty() && t.excludeRegex() != null) {
                throw new IllegalArgumentException("PEFT's exclude_modules is a list of names or one regex, not both: "
                        + t.exclude() + " and " + t.excludeRegex());
            }
            if (t.excludeRegex() != null) json.put("exclude_modules", t.excludeRegex());
            else if (!t.exclude().isEmpty()) t.exclude().forEach(json.putArray("exclude_modules")::add);
            else json.putNull("exclude_modules");
        } else if (excludes) {
            throw new IllegalArgumentException("this PEFT config has no exclude_modules; select the modules with target_modules alone");
        }
        if (t.layers().isEmpty()) json.putNull("layers_to_transform");
        else t.layers().forEach(json.putArray("layers_to_transform")::add);
        json.putNull("layers_pattern");
    }

    static TargetModules read(ConfigFields f, boolean withExclude) throws AdapterFormatException {
        JsonNode target = f.value("target_modules");
        if (target == null) {
            throw new AdapterFormatException(f.file(), "field \"target_modules\" is missing or null; peft4j needs the"
                    + " modules named (PEFT fills in its per-architecture default when it saves)");
        }
        List<String> names = List.of();
        String regex = null;
        boolean allLinear = false;
        if (target.isTextual()) {
            allLinear = target.textValue().equals("all-linear");
            regex = allLinear ? null : target.textValue();
        } else {
            names = f.texts("target_modules");
            if (names.isEmpty()) {
                throw new AdapterFormatException(f.file(), "field \"target_modules\" is empty; peft4j adapts Linear modules only"
                        + " (PEFT's target_parameters is not supported)");
            }
        }
        List<String> exclude = List.of();
        String excludeRegex = null;
        if (withExclude) {
            JsonNode ex = f.value("exclude_modules");
            if (ex != null && ex.isTextual()) excludeRegex = ex.textValue();
            else exclude = f.texts("exclude_modules");
        }
        List<Integer> layers = f.integers("layers_to_transform");
        JsonNode pattern = f.value("layers_pattern");
        if (pattern != null) {
            List<String> patterns = pattern.isTextual() ? List.of(pattern.textValue()) : f.texts("layers_pattern");
            if (!LAYER_PATTERNS.containsAll(patterns)) {
                throw f.unsupported("layers_pattern", pattern, "layer lists other than " + LAYER_PATTERNS);
            }
        }
        return new TargetModules(names, regex, allLinear, exclude, excludeRegex, layers);
    }

    /** {@code modules_to_save}: a list, or null when empty (as PEFT writes it). */
    static void writeModulesToSave(ObjectNode json, List<String> modules) {
        if (modules.isEmpty()) json.putNull("modules_to_save");
        else modules.forEach(json.putArray("modules_to_save")::add);
    }
}
