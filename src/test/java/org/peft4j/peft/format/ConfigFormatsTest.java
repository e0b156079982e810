package org.peft4j.peft.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.TargetModules;

/**
 * The method-specific fields of each PEFT config peft4j writes, checked against the field lists of
 * PEFT 0.18.0's config classes, and read back. These need no registered method, so DoRA, VeRA and
 * RandLoRA configs are checked before those methods exist.
 */
class ConfigFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FILE = Path.of("adapter_config.json");
    private static final TargetModules QV = TargetModules.of("query", "value");

    private static ObjectNode written(ConfigFormat format, AdapterConfig config) {
        ObjectNode json = JSON.createObjectNode();
        format.write(config, json);
        return json;
    }

    private static Set<String> fields(ObjectNode json) {
        Set<String> out = new TreeSet<>();
        json.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static AdapterConfig readBack(ConfigFormat format, ObjectNode json, String method) throws AdapterFormatException {
        return format.read(new ConfigFields(FILE, json), method);
    }

    @Test
    void doraIsLoraWithUseDora() throws AdapterFormatException {
        AdapterConfig dora = AdapterConfig.of("dora", 4, 8, QV).withDropout(0.05f);
        ObjectNode json = written(new LoraConfigFormat(), dora);
        assertTrue(json.get("use_dora").booleanValue());
        assertEquals(dora, readBack(new LoraConfigFormat(), json, "dora"));
    }

    /** PEFT 0.18.0's VeraConfig fields, less PeftConfig's. */
    private static final Set<String> VERA_FIELDS = Set.of("r", "target_modules", "projection_prng_key", "save_projection",
            "vera_dropout", "d_initial", "fan_in_fan_out", "bias", "modules_to_save", "init_weights", "layers_to_transform",
            "layers_pattern");

    @Test
    void veraWritesVeraConfigAndReadsItBack() throws AdapterFormatException {
        AdapterConfig vera = new AdapterConfig("vera", 16, 16, 0.05f, QV.inLayers(1), false, "default", Map.of(), Map.of(),
                List.of("classifier"), Map.of("d_initial", 0.2), 42);
        ObjectNode json = written(new VeraConfigFormat(), vera);
        assertEquals(new TreeSet<>(VERA_FIELDS), fields(json));
        assertEquals(42, json.get("projection_prng_key").longValue());
        assertTrue(json.get("save_projection").booleanValue(), "torch's generator cannot be replayed: the projections travel in the file");
        assertEquals(0.2, json.get("d_initial").doubleValue(), 0.0);
        assertEquals(vera, readBack(new VeraConfigFormat(), json, "vera"));

        json.put("save_projection", false);
        var e = assertThrows(AdapterFormatException.class, () -> readBack(new VeraConfigFormat(), json, "vera"));
        assertTrue(e.getMessage().contains("save_projection"), e.getMessage());
        var rslora = assertThrows(IllegalArgumentException.class, () -> written(new VeraConfigFormat(), vera.withRslora(true)));
        assertTrue(rslora.getMessage().contains("VeraConfig"), rslora.getMessage());
    }

    /** PEFT 0.18.0's RandLoraConfig fields, less PeftConfig's. */
    private static final Set<String> RANDLORA_FIELDS = Set.of("r", "target_modules", "projection_prng_key", "save_projection",
            "sparse", "very_sparse", "randlora_dropout", "fan_in_fan_out", "randlora_alpha", "bias", "modules_to_save",
            "init_weights", "layers_to_transform", "layers_pattern");

    @Test
    void randLoraWritesRandLoraConfigAndReadsItBack() throws AdapterFormatException {
        AdapterConfig randLora = new AdapterConfig("randlora", 4, 80, 0f, QV, false, "default", Map.of(), Map.of(), List.of(),
                Map.of("sparse", true, "very_sparse", false, "basis_note", "kept"), 3);
        ObjectNode json = written(new RandLoraConfigFormat(), randLora);
        Set<String> expected = new TreeSet<>(RANDLORA_FIELDS);
        expected.add("peft4j_options");
        assertEquals(expected, fields(json));
        assertEquals(80, json.get("randlora_alpha").intValue());
        assertTrue(json.get("sparse").booleanValue());
        assertEquals("kept", json.get("peft4j_options").get("basis_note").textValue());
        assertEquals(randLora, readBack(new RandLoraConfigFormat(), json, "randlora"));
    }

    @Test
    void peft4jsOwnConfigKeepsEveryFieldAndRefusesUnknownOnes() throws AdapterFormatException {
        AdapterConfig own = new AdapterConfig("own", 3, 7.5f, 0.1f, TargetModules.matching(".*layer\\.[01]\\..*(query|value)"),
                true, "gaussian", Map.of("value", 2), Map.of("query", 1.5f), List.of("classifier"),
                Map.of("gate", 0.25, "steps", 10), 99);
        ObjectNode json = written(new Peft4jConfigFormat(), own);
        assertEquals(".*layer\\.[01]\\..*(query|value)", json.get("target_modules").textValue());
        AdapterConfig back = readBack(new Peft4jConfigFormat(), json, "own");
        assertEquals(own, back);

        json.put("mystery", 3);
        var e = assertThrows(AdapterFormatException.class, () -> readBack(new Peft4jConfigFormat(), json, "own"));
        assertTrue(e.getMessage().contains("\"mystery\""), e.getMessage());
    }
}
