package org.peft4j.peft;

import java.util.Map;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Linear;

/**
 * Where one adapter is created: the target layer and its module name, the adapter's name, the
 * resolved rank and alpha for this module, the whole config, and state shared by every site of
 * the same adapter (e.g. VeRA's shared random projections), and the model's dropout sites.
 */
public record AdapterSite(String adapterName, String module, Linear linear, int rank, float alpha,
                          AdapterConfig config, Map<String, Object> shared, DropoutSites dropoutSites) {

    /** The LoRA scaling: α/r, or α/√r with rsLoRA. */
    public float scaling() {
        return config.useRslora() ? (float) (alpha / Math.sqrt(rank)) : alpha / rank;
    }

    /** A parameter name inside the model, PEFT style: {@code <module>.<part>.<adapter>.weight}. */
    public String parameterName(String part) {
        return module + "." + part + "." + adapterName + ".weight";
    }

    /** A seed specific to this module and the config seed. */
    public long seed(String salt) {
        return org.peft4j.nn.Seeds.of(config.seed(), module + "/" + salt);
    }
}
