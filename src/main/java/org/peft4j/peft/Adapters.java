package org.peft4j.peft;

import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** Host-side matrix updates used when adapters are created or merged (not on the training path). */
final class Adapters {
    private Adapters() {}

    /** {@code w −= s·b·a}. */
    static void subtractScaledProduct(Tensor w, float s, Tensor b, Tensor a) {
        try (JvmBackend ops = new JvmBackend(1)) {
            ops.gemm(Transpose.N, Transpose.N, -s, b, a, 1f, w);
        }
    }
}
