package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import org.peft4j.peft.AdapterConfig;

/**
 * PEFT 0.18.0's {@code RandLoraConfig} (src/peft/tuners/randlora/config.py): r (default 32),
 * {@code randlora_alpha} (default 640) ↔ α, {@code randlora_dropout} ↔ dropout, {@code sparse} and
 * {@code very_sparse} (booleans, default false) ↔ options of the same names, plus
 * {@link ProjectionFields}. Other options go under {@code peft4j_options}.
 */
final class RandLoraConfigFormat implements ConfigFormat {
    static final String SPARSE = "sparse", VERY_SPARSE = "very_sparse";

    @Override
    public void write(AdapterConfig c, ObjectNode json) {
        ProjectionFields.write(c, json, "PEFT's RandLoraConfig");
        json.set("randlora_alpha", ConfigFields.number(c.alpha()));
        json.put("randlora_dropout", c.dropout());
        json.put(SPARSE, flag(c, SPARSE));
        json.put(VERY_SPARSE, flag(c, VERY_SPARSE));
        Map<String, Object> rest = new HashMap<>(c.options());
        rest.remove(SPARSE);
        rest.remove(VERY_SPARSE);
        ConfigFields.writeOptions(json, LoraConfigFormat.OPTIONS, rest);
    }

    @Override
    public AdapterConfig read(ConfigFields f, String method) throws AdapterFormatException {
        ProjectionFields.Common common = ProjectionFields.read(f, 32);
        float alpha = (float) f.number("randlora_alpha", 640);
        float dropout = (float) f.number("randlora_dropout", 0);
        Map<String, Object> options = new HashMap<>(f.options(LoraConfigFormat.OPTIONS));
        options.put(SPARSE, f.bool(SPARSE, false));
        options.put(VERY_SPARSE, f.bool(VERY_SPARSE, false));
        f.refuseUnread("PEFT 0.18.0's RandLoraConfig");
        return new AdapterConfig(method, common.r(), alpha, dropout, common.targets(), false, "default",
                Map.of(), Map.of(), common.modulesToSave(), options, common.seed());
    }

    private static boolean flag(AdapterConfig c, String option) {
        Object v = c.options().getOrDefault(option, false);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("RandLoRA option '" + option + "' must be true or false, got " + v);
        }
        return b;
    }
}
