package org.peft4j.peft.format;

import org.peft4j.peft.AdapterConfig;

/**
 * What an adapter_config.json holds: the adapter's config, the task type and base model it was
 * saved for, and the PEFT version that wrote it ({@code peft_version}; null before PEFT 0.18).
 */
public record AdapterConfigFile(AdapterConfig config, SaveOptions options, String peftVersion) {}
