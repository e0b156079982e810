package org.peft4j.peft;

/** One method of the LoRA family: how it builds an adapter for a layer. One file each, one registry line in {@link AdapterMethods}. */
public interface AdapterMethod {
    /** The name used in configs and on the command line ({@code lora}, {@code dora}, …). */
    String name();

    /** {@code peft_type} in adapter_config.json: PEFT's own name where PEFT has the method. */
    String peftType();

    Adapter create(AdapterSite site);
}
