package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.TargetModules;

/**
 * The fields PEFT's {@code VeraConfig} and {@code RandLoraConfig} share: targets (without
 * exclude_modules), {@code projection_prng_key} ↔ the config seed, {@code save_projection} (always
 * true: torch's generator cannot be replayed in Java, so the frozen projections must travel in the
 * file), {@code fan_in_fan_out}, {@code bias}, {@code modules_to_save}, {@code init_weights}.
 * LoRA-only settings (rsLoRA, rank/alpha patterns, a non-default init) have no place in them.
 */
final class ProjectionFields {
    private ProjectionFields() {}

    static void write(AdapterConfig c, ObjectNode json, String peftConfig) {
        if (c.useRslora() || !c.rankPattern().isEmpty() || !c.alphaPattern().isEmpty()
                || !(c.init().equals("default") || c.init().equals("true"))) {
            throw new IllegalArgumentException(peftConfig + " has no use_rslora, rank_pattern, alpha_pattern or"
                    + " init choice; adapter '" + c.method() + "' sets one of them");
        }
        json.put("r", c.r());
        TargetFields.write(json, c.targets(), false);
        json.put("projection_prng_key", c.seed());
        json.put("save_projection", true);
        json.put("fan_in_fan_out", false);
        json.put("bias", "none");
        TargetFields.writeModulesToSave(json, c.modulesToSave());
        json.put("init_weights", true);
    }

    /** The shared part of the config; the caller supplies r's default, α and dropout, and its options. */
    record Common(int r, TargetModules targets, long seed, List<String> modulesToSave) {}

    static Common read(ConfigFields f, int defaultRank) throws AdapterFormatException {
        int r = f.integer("r", defaultRank);
        TargetModules targets = TargetFields.read(f, false);
        long seed = f.longInteger("projection_prng_key", 0);
        if (!f.bool("save_projection", true)) {
            throw f.unsupported("save_projection", f.value("save_projection"),
                    "regenerating the frozen projections from torch's generator");
        }
        String bias = f.text("bias", "none");
        if (!bias.equals("none")) throw f.unsupported("bias", f.value("bias"), "training and saving the base biases");
        List<String> modulesToSave = f.texts("modules_to_save");
        f.ignore("fan_in_fan_out", "init_weights");
        return new Common(r, targets, seed, modulesToSave);
    }
}
