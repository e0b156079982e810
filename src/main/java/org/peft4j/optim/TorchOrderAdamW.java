package org.peft4j.optim;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * AdamW with the float32 arithmetic of {@code torch.optim.AdamW} on CPU (single-tensor path, SIMD kernels):
 * <pre>
 *   θ ← θ · f(1 − lr·λ)                          param.mul_(1 - lr*wd)                  (if λ ≠ 0)
 *   m ← fma(f(1−β1), g − m, m)                    exp_avg.lerp_(grad, 1-β1)
 *   v ← fma(f(1−β2)·g, g, v·f(β2))                exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1-β2)
 *   d ← √v / f(√(1−β2^t)) + f(ε)                  (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
 *   θ ← θ + (f(−lr/(1−β1^t))·m) / d               param.addcdiv_(exp_avg, denom, value=-step_size)
 * </pre>
 * f(x) rounds a double coefficient to float32 as ATen does with Python scalars. Checked against torch 2.13
 * x86 (AVX2 and AVX-512 kernels): the moments agree bit for bit, and so does θ when torch's own √ is
 * substituted; that build's float √ is off by one ulp for about a fifth of inputs, which this correctly
 * rounded √ does not copy. torch's DEFAULT (non-SIMD) kernels round lerp and addcmul unfused and differ from both.
 * This is the host stand-in for a backend kernel with torch's rounding; {@link AdamWKernel#BACKEND_FUSED}
 * is the device-capable alternative.
 */
public final class TorchOrderAdamW {
    private TorchOrderAdamW() {}

    public static void update(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep s) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        boolean decays = s.weightDecay() != 0;
        float decay = (float) (1 - s.lr() * s.weightDecay());
        float lerpWeight = (float) (1 - s.beta1());
        boolean smallWeight = Math.abs(lerpWeight) < 0.5f;
        float beta2 = (float) s.beta2();
        float oneMinusBeta2 = (float) (1 - s.beta2());
        float bc2Sqrt = (float) Math.sqrt(s.biasCorrection2());
        float eps = (float) s.eps();
        float negStepSize = (float) -(s.lr() / s.biasCorrection1());
        float[] pd = param.data(), gd = grad.data(), md = m.data(), vd = v.data();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        for (int i = 0; i < param.size(); i++) {
            float p = pd[po + i], g = gd[go + i], mi = md[mo + i];
            if (decays) p *= decay;
            mi = smallWeight ? Math.fma(lerpWeight, g - mi, mi) : Math.fma(lerpWeight - 1f, g - mi, g);
            float vi = Math.fma(oneMinusBeta2 * g, g, vd[vo + i] * beta2);
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            md[mo + i] = mi;
            vd[vo + i] = vi;
            pd[po + i] = p + negStepSize * mi / denom;
        }
    }
}
