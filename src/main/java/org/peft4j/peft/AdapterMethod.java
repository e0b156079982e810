package org.peft4j.peft;

/** One method of the LoRA family: how it builds an adapter for a layer. One file each, one registry line in {@link AdapterMethods}. */
public interface AdapterMethod {
    /** The name used in configs and on the command line ({@code lora}, {@code dora}, …). */
    String name();

    /** {@code peft_type} in adapter_config.json: PEFT's own name where PEFT has the method. */
    String peftType();

    Adapter create(AdapterSite site);

    /**
     * A data-dependent start, run once before training on a few training batches (LoRA-SB derives
     * its factors from accumulated gradients); most methods start from their initialisation alone.
     */
    default void initializeFromData(org.peft4j.backend.Ops ops, PeftModel model, String adapter,
                                    java.util.List<org.peft4j.nn.TokenBatch> batches, double learningRate) {}
}
