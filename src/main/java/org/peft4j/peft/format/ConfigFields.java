package org.peft4j.peft.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to the fields of one adapter_config.json. Every field read is remembered, so that
 * {@link #refuseUnread} can turn away a field the reader did not expect unless it is switched off
 * (null, false, empty): PEFT adds features as new fields, off by default, and peft4j must not
 * silently ignore one that is on. Errors name the file and the field.
 */
final class ConfigFields {
    private static final JsonMapper JSON = new JsonMapper();
    private final Path file;
    private final ObjectNode json;
    private final Set<String> read = new HashSet<>();

    ConfigFields(Path file, ObjectNode json) {
        this.file = file;
        this.json = json;
    }

    Path file() { return file; }

    /** The field's value, or null when it is absent or JSON null. */
    JsonNode value(String field) {
        read.add(field);
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** Marks fields as handled without looking at them (PEFT bookkeeping peft4j has no use for). */
    void ignore(String... fields) {
        read.addAll(List.of(fields));
    }

    String text(String field, String fallback) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return fallback;
        if (!v.isTextual()) throw invalid(field, "a string", v);
        return v.textValue();
    }

    int integer(String field, int fallback) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw invalid(field, "an integer", v);
        return v.intValue();
    }

    long longInteger(String field, long fallback) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw invalid(field, "an integer", v);
        return v.longValue();
    }

    double number(String field, double fallback) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return fallback;
        if (!v.isNumber()) throw invalid(field, "a number", v);
        return v.doubleValue();
    }

    boolean bool(String field, boolean fallback) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return fallback;
        if (!v.isBoolean()) throw invalid(field, "true or false", v);
        return v.booleanValue();
    }

    /** An array of strings; absent or null reads as empty. */
    List<String> texts(String field) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return List.of();
        if (!v.isArray()) throw invalid(field, "an array of strings", v);
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) throw invalid(field, "an array of strings", v);
            out.add(e.textValue());
        }
        return out;
    }

    /** An integer or an array of integers; absent or null reads as empty. */
    List<Integer> integers(String field) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return List.of();
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v.isArray() ? v : List.of(v)) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) throw invalid(field, "an integer or an array of integers", v);
            out.add(e.intValue());
        }
        return out;
    }

    Map<String, Integer> integerMap(String field) throws AdapterFormatException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object(field).entrySet()) {
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw invalid(field, "an object of integers", v);
            out.put(e.getKey(), v.intValue());
        }
        return out;
    }

    Map<String, Float> numberMap(String field) throws AdapterFormatException {
        Map<String, Float> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object(field).entrySet()) {
            if (!e.getValue().isNumber()) throw invalid(field, "an object of numbers", e.getValue());
            out.put(e.getKey(), e.getValue().floatValue());
        }
        return out;
    }

    /** A JSON object's entries; absent or null reads as empty. */
    Map<String, JsonNode> object(String field) throws AdapterFormatException {
        JsonNode v = value(field);
        if (v == null) return Map.of();
        if (!v.isObject()) throw invalid(field, "an object", v);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        v.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** peft4j's method options saved as a JSON object: numbers, booleans, strings, lists, objects. */
    Map<String, Object> options(String field) throws AdapterFormatException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object(field).entrySet()) {
            if (e.getValue().isNull()) continue;
            try {
                out.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
            } catch (JacksonException ex) {
                throw invalid(field, "an object of plain JSON values", e.getValue());
            }
        }
        return out;
    }

    /** Writes {@code options} under {@code field}; nothing when there are none. */
    static void writeOptions(ObjectNode json, String field, Map<String, Object> options) {
        if (!options.isEmpty()) json.set(field, JSON.valueToTree(options));
    }

    /** Refuses a field whose value is set (not null, false or empty): a PEFT feature peft4j does not have. */
    void requireOff(String field, String feature) throws AdapterFormatException {
        JsonNode v = value(field);
        if (!isOff(v)) throw unsupported(field, v, feature);
    }

    /** Refuses every field nobody read that is set: it would change what the adapter computes. */
    void refuseUnread(String configName) throws AdapterFormatException {
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            if (!read.contains(e.getKey()) && !isOff(e.getValue())) {
                throw new AdapterFormatException(file, "field \"" + e.getKey() + "\" = " + e.getValue()
                        + " is not part of " + configName + " as peft4j reads it, and peft4j cannot honour it");
            }
        }
    }

    AdapterFormatException invalid(String field, String expected, JsonNode found) {
        return new AdapterFormatException(file, "field \"" + field + "\" must be " + expected + ", found " + found);
    }

    AdapterFormatException unsupported(String field, JsonNode found, String feature) {
        return new AdapterFormatException(file, "field \"" + field + "\" = " + found + " asks for " + feature
                + ", which peft4j does not implement");
    }

    private static boolean isOff(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.booleanValue()) || (v.isContainerNode() && v.isEmpty());
    }

    /** α as PEFT writes it: an integer when integral (PEFT declares {@code lora_alpha: int}), else a float. */
    static JsonNode number(float value) {
        boolean integral = value == Math.rint(value) && Math.abs(value) < Integer.MAX_VALUE;
        return integral ? JsonNodeFactory.instance.numberNode((int) value) : JsonNodeFactory.instance.numberNode(value);
    }
}
