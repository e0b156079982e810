package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.peft4j.peft.AdapterConfig;

/**
 * peft4j's own adapter_config.json for methods PEFT lacks: {@code peft_type} is the method's
 * {@link org.peft4j.peft.AdapterMethod#peftType()} and every {@link AdapterConfig} field is kept,
 * named as in LoraConfig where LoraConfig has it — {@code r}, {@code lora_alpha},
 * {@code lora_dropout}, {@code target_modules}, {@code exclude_modules}, {@code layers_to_transform},
 * {@code use_rslora}, {@code init_lora_weights} (peft4j's init name), {@code rank_pattern},
 * {@code alpha_pattern}, {@code modules_to_save} — plus {@code seed} and {@code options}.
 */
final class Peft4jConfigFormat implements ConfigFormat {

    @Override
    public void write(AdapterConfig c, ObjectNode json) {
        LoraConfigFormat.writeShared(c, json);
        json.put("init_lora_weights", c.init());
        json.put("seed", c.seed());
        ConfigFields.writeOptions(json, "options", c.options());
    }

    @Override
    public AdapterConfig read(ConfigFields f, String method) throws AdapterFormatException {
        AdapterConfig c = LoraConfigFormat.readShared(f, method, f.text("init_lora_weights", "default"),
                f.options("options"), f.longInteger("seed", 0));
        f.refuseUnread("peft4j's config for method " + method);
        return c;
    }
}
