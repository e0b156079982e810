package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.AdapterMethods;

/**
 * PEFT 0.18.0's {@code LoraConfig} (src/peft/tuners/lora/config.py), which serves LoRA and, with
 * {@code use_dora = true}, DoRA. peft4j writes every field PEFT writes (runtime_config excepted, as
 * PEFT's {@code to_dict} drops it), the ones it has no use for at PEFT's defaults. Reading refuses
 * any field that switches on a feature peft4j lacks (bias ≠ "none", lora_bias, QALoRA, Megatron,
 * trainable tokens, layer replication, target_parameters, aLoRA, Arrow) and ignores
 * {@code fan_in_fan_out}: it transposes only the base weight, lora_A/lora_B keep [r, in]/[out, r].
 * Method options go under {@code peft4j_options}, which PEFT drops with a warning.
 */
final class LoraConfigFormat implements ConfigFormat {
    static final String LORA = "lora", DORA = "dora", OPTIONS = "peft4j_options";

    @Override
    public void write(AdapterConfig c, ObjectNode json) {
        writeShared(c, json);
        json.put("use_dora", c.method().equals(DORA));
        switch (c.init()) {
            case "default", "true" -> json.put("init_lora_weights", true);
            case "gaussian", "pissa" -> json.put("init_lora_weights", c.init());
            default -> throw new IllegalArgumentException("init_lora_weights '" + c.init() + "' has no PEFT LoraConfig equivalent");
        }
        ConfigFields.writeOptions(json, OPTIONS, c.options());
        // LoraConfig fields of features peft4j does not have, at PEFT's defaults
        json.putNull("alora_invocation_tokens");
        json.putNull("arrow_config");
        json.put("bias", "none");
        json.putNull("corda_config");
        json.put("ensure_weight_tying", false);
        json.putNull("eva_config");
        json.put("fan_in_fan_out", false);
        json.putNull("layer_replication");
        json.putObject("loftq_config");
        json.put("lora_bias", false);
        json.putNull("megatron_config");
        json.put("megatron_core", "megatron.core");
        json.put("qalora_group_size", 16);
        json.putNull("target_parameters");
        json.putNull("trainable_token_indices");
        json.put("use_qalora", false);
    }

    /** {@code lora}, or {@code dora} when {@code use_dora} is true. */
    @Override
    public String method(ConfigFields f, String peftType) throws AdapterFormatException {
        boolean dora = f.bool("use_dora", false);
        String method = dora ? DORA : LORA;
        if (!AdapterMethods.names().contains(method)) {
            throw new AdapterFormatException(f.file(), "use_dora = " + dora + " needs peft4j's '" + method
                    + "' method, which is not registered (known: " + AdapterMethods.names() + ")");
        }
        return method;
    }

    @Override
    public AdapterConfig read(ConfigFields f, String method) throws AdapterFormatException {
        f.ignore("use_dora");
        AdapterConfig config = readShared(f, method, init(f), f.options(OPTIONS), 0);
        String bias = f.text("bias", "none");
        if (!bias.equals("none")) throw f.unsupported("bias", f.value("bias"), "training and saving the base biases");
        f.requireOff("lora_bias", "a bias on lora_B");
        f.requireOff("use_qalora", "QALoRA's pooled input");
        f.requireOff("megatron_config", "Megatron parallel layers");
        f.requireOff("trainable_token_indices", "trainable tokens");
        f.requireOff("layer_replication", "layer replication");
        f.requireOff("target_parameters", "adapting bare parameters");
        f.requireOff("alora_invocation_tokens", "activated LoRA");
        f.requireOff("arrow_config", "Arrow routing");
        f.ignore("fan_in_fan_out", "megatron_core", "qalora_group_size", "loftq_config", "eva_config", "corda_config",
                "ensure_weight_tying", "runtime_config");
        f.refuseUnread("PEFT 0.18.0's LoraConfig");
        return config;
    }

    /** The LoraConfig fields every low-rank config here shares: r, α, dropout, targets, rsLoRA, patterns, modules_to_save. */
    static void writeShared(AdapterConfig c, ObjectNode json) {
        json.put("r", c.r());
        json.set("lora_alpha", ConfigFields.number(c.alpha()));
        json.put("lora_dropout", c.dropout());
        TargetFields.write(json, c.targets(), true);
        json.put("use_rslora", c.useRslora());
        c.rankPattern().forEach(json.putObject("rank_pattern")::put);
        ObjectNode alphas = json.putObject("alpha_pattern");
        c.alphaPattern().forEach((k, v) -> alphas.set(k, ConfigFields.number(v)));
        TargetFields.writeModulesToSave(json, c.modulesToSave());
    }

    /** Reads what {@link #writeShared} writes, with PEFT's defaults (r = 8, α = 8, dropout 0). */
    static AdapterConfig readShared(ConfigFields f, String method, String init, Map<String, Object> options, long seed)
            throws AdapterFormatException {
        return new AdapterConfig(method, f.integer("r", 8), (float) f.number("lora_alpha", 8), (float) f.number("lora_dropout", 0),
                TargetFields.read(f, true), f.bool("use_rslora", false), init, f.integerMap("rank_pattern"),
                f.numberMap("alpha_pattern"), f.texts("modules_to_save"), options, seed);
    }

    /**
     * peft4j's init for {@code init_lora_weights}. Inits that only choose the starting A and B (which
     * the saved tensors replace) read as {@code default}; PiSSA is rebuilt exactly (its residual base
     * is W − s·B₀·A₀ from the exact SVD); inits that rewrite the base in ways peft4j does not
     * reproduce (OLoRA, CorDA, LoftQ, randomised-SVD PiSSA) are refused.
     */
    private static String init(ConfigFields f) throws AdapterFormatException {
        JsonNode v = f.value("init_lora_weights");
        if (v == null || v.isBoolean()) return "default";
        return switch (v.isTextual() ? v.textValue() : "") {
            case "gaussian" -> "gaussian";
            case "pissa" -> "pissa";
            case "orthogonal", "eva" -> "default";
            default -> throw f.unsupported("init_lora_weights", v, "an initialisation that rewrites the base weights");
        };
    }
}
