package org.peft4j.backend.jvm;

import org.peft4j.backend.AdamW;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** The fused AdamW update of {@link AdamW}. */
final class AdamWUpdate {
    private AdamWUpdate() {}

    static void apply(Parallel pool, Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        float b1 = h.beta1(), b2 = h.beta2(), c1 = h.biasCorrection1(), c2 = h.biasCorrection2();
        float lr = h.lr(), eps = h.eps(), wd = h.weightDecay();
        pool.forRange(param.size(), (long) param.size() * 10, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad.at(i);
                float mi = b1 * m.at(i) + (1 - b1) * g;
                float vi = b2 * v.at(i) + (1 - b2) * g * g;
                m.put(i, mi);
                v.put(i, vi);
                float p = param.at(i);
                param.put(i, p - lr * ((mi / c1) / ((float) Math.sqrt(vi / c2) + eps) + wd * p));
            }
        });
    }
}
