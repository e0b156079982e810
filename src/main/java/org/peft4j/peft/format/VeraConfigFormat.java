package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import org.peft4j.peft.AdapterConfig;

/**
 * PEFT 0.18.0's {@code VeraConfig} (src/peft/tuners/vera/config.py): r (default 256),
 * {@code vera_dropout} ↔ dropout, {@code d_initial} (default 0.1) ↔ option {@code d_initial}, plus
 * {@link ProjectionFields}. VeRA has no α: a VERA config reads back with α = r. Other options go
 * under {@code peft4j_options}.
 */
final class VeraConfigFormat implements ConfigFormat {
    static final String D_INITIAL = "d_initial";

    @Override
    public void write(AdapterConfig c, ObjectNode json) {
        ProjectionFields.write(c, json, "PEFT's VeraConfig");
        json.put("vera_dropout", c.dropout());
        json.put(D_INITIAL, c.option(D_INITIAL, 0.1));
        Map<String, Object> rest = new HashMap<>(c.options());
        rest.remove(D_INITIAL);
        ConfigFields.writeOptions(json, LoraConfigFormat.OPTIONS, rest);
    }

    @Override
    public AdapterConfig read(ConfigFields f, String method) throws AdapterFormatException {
        ProjectionFields.Common common = ProjectionFields.read(f, 256);
        float dropout = (float) f.number("vera_dropout", 0);
        Map<String, Object> options = new HashMap<>(f.options(LoraConfigFormat.OPTIONS));
        options.put(D_INITIAL, f.number(D_INITIAL, 0.1));
        f.refuseUnread("PEFT 0.18.0's VeraConfig");
        return new AdapterConfig(method, common.r(), common.r(), dropout, common.targets(), false, "default",
                Map.of(), Map.of(), common.modulesToSave(), options, common.seed());
    }
}
