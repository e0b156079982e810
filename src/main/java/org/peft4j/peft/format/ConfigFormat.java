package org.peft4j.peft.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.AdapterMethods;

/**
 * How the method-specific fields of one {@code peft_type}'s adapter_config.json map to and from an
 * {@link AdapterConfig}: PEFT's own configs for {@code LORA} (LoRA, DoRA), {@code VERA} and
 * {@code RANDLORA}; peft4j's own for methods PEFT lacks.
 */
interface ConfigFormat {
    /** Writes every field but PEFT's common ones (peft_type, task_type, base_model_name_or_path, …). */
    void write(AdapterConfig config, ObjectNode json);

    /** The peft4j method a file of {@code peftType} was saved from: the one registered method of that type. */
    default String method(ConfigFields fields, String peftType) throws AdapterFormatException {
        return methodFor(fields, peftType);
    }

    /** Reads the fields back into a config of {@code method}. */
    AdapterConfig read(ConfigFields fields, String method) throws AdapterFormatException;

    /**
     * {@code PeftType} values of PEFT 0.18.0 and 0.20.0. A peft4j method must not claim one of these
     * without a format here: Python would read peft4j's fields as that PEFT config.
     */
    Set<String> PEFT_TYPES = Set.of("PROMPT_TUNING", "MULTITASK_PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING", "LORA",
            "ADALORA", "ADAMSS", "BOFT", "ADAPTION_PROMPT", "IA3", "BEFT", "LILY", "LOHA", "LOKR", "OFT", "POLY",
            "LN_TUNING", "VERA", "FROD", "PVERA", "FOURIERFT", "GLORA", "XLORA", "HRA", "VBLORA", "UNILORA", "CPT",
            "BONE", "MISS", "RANDLORA", "ROAD", "TRAINABLE_TOKENS", "HIRA", "SHIRA", "C3A", "WAVEFT", "OSF", "DELORA",
            "GRALORA", "CARTRIDGE", "TINYLORA", "PSOFT", "PEANUT", "DEFT");

    /** The format for {@code peftType}, or null for a PEFT type peft4j has no mapping for. */
    static ConfigFormat of(String peftType) {
        return switch (peftType) {
            case "LORA" -> new LoraConfigFormat();
            case "VERA" -> new VeraConfigFormat();
            case "RANDLORA" -> new RandLoraConfigFormat();
            default -> PEFT_TYPES.contains(peftType) ? null : new Peft4jConfigFormat();
        };
    }

    /** The one registered method whose {@code peftType()} is {@code peftType}. */
    static String methodFor(ConfigFields fields, String peftType) throws AdapterFormatException {
        List<String> methods = methodsOf(peftType);
        if (methods.isEmpty()) {
            throw new AdapterFormatException(fields.file(), "unknown peft_type \"" + peftType + "\": no registered peft4j"
                    + " method declares it (the registered ones declare " + AdapterMethods.names().stream()
                            .map(n -> AdapterMethods.get(n).peftType()).distinct().sorted().toList() + ")");
        }
        if (methods.size() > 1) {
            throw new AdapterFormatException(fields.file(), "peft_type \"" + peftType + "\" is declared by several methods "
                    + methods + "; peft4j cannot tell which one saved this adapter");
        }
        return methods.getFirst();
    }

    static List<String> methodsOf(String peftType) {
        return AdapterMethods.names().stream().filter(n -> AdapterMethods.get(n).peftType().equals(peftType)).toList();
    }
}
