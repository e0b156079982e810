package org.peft4j.peft;

import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** Host-side matrix updates used when adapters are created or merged (not on the training path), and the checks methods share. */
final class Adapters {
    private Adapters() {}

    /** {@code w −= s·b·a}. */
    static void subtractScaledProduct(Tensor w, float s, Tensor b, Tensor a) {
        try (JvmBackend ops = new JvmBackend(1)) {
            ops.gemm(Transpose.N, Transpose.N, -s, b, a, 1f, w);
        }
    }

    /** Rejects an {@code init_lora_weights} other than the method's own initialisation. */
    static void requireDefaultInit(AdapterSite site, String method) {
        String init = site.config().init();
        if (!init.equals("default") && !init.equals("true")) {
            throw new IllegalArgumentException(method + " has its own initialisation; init_lora_weights '" + init + "' does not apply");
        }
    }

    /**
     * Rejects what random projections shared by every layer cannot honour: a per-module rank
     * ({@code rank_pattern}) and rsLoRA scaling, which the method does not define.
     */
    static void requireSharedRank(AdapterSite site, String method) {
        if (site.rank() != site.config().r()) {
            throw new IllegalArgumentException(method + " shares one set of projections of rank " + site.config().r()
                    + " across layers; rank_pattern gives " + site.module() + " rank " + site.rank());
        }
        if (site.config().useRslora()) throw new IllegalArgumentException(method + " does not define rsLoRA scaling (use_rslora)");
    }
}
