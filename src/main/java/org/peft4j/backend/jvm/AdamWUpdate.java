package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.VectorMath.F;
import static org.peft4j.backend.jvm.VectorMath.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.peft4j.backend.AdamW;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * The fused, vectorised AdamW update of {@link AdamW}, in the equivalent form
 * <pre>
 *   g ← g·scale   (global-norm clipping; 1 without)
 *   θ ← θ·(1 − lr·λ) − (lr/c1) · m / (√v/√c2 + ε),   c1 = 1 − β1^t,  c2 = 1 − β2^t
 * </pre>
 */
final class AdamWUpdate {
    private AdamWUpdate() {}

    static void apply(Parallel pool, Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        apply(pool, param, grad, m, v, h.kernelConstants(), 1f);
    }

    /** {@link org.peft4j.backend.Ops#clippedAdamW}: the constants and max norm read from {@code hyper}. */
    static void apply(Parallel pool, Tensor param, Tensor grad, Tensor m, Tensor v, Tensor hyper, Tensor gradNormSquared) {
        Shapes.require("clippedAdamW", "hyper", hyper, AdamW.TENSOR_SIZE);
        Shapes.require("clippedAdamW", "gradNormSquared", gradNormSquared, 1);
        float normSquared = gradNormSquared.at(0);
        if (!Float.isFinite(normSquared)) return;
        float[] constants = new float[AdamW.TENSOR_SIZE - 1];
        for (int i = 0; i < constants.length; i++) constants[i] = hyper.at(i);
        apply(pool, param, grad, m, v, constants, AdamW.clipScale(hyper.at(AdamW.TENSOR_SIZE - 1), normSquared));
    }

    private static void apply(Parallel pool, Tensor param, Tensor grad, Tensor m, Tensor v, float[] constants, float gradScale) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        float beta1 = constants[0], beta2 = constants[1], decay = constants[2], stepSize = constants[3];
        float invSqrtC2 = constants[4], eps = constants[5];
        float[] pd = param.data(), gd = grad.data(), md = m.data(), vd = v.data();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        // One masked loop with every constant broadcast before it: a helper taking a mask per call, called
        // for the full vectors and again for the tail, had C2 box a vector per step (35 MB per MiniLM
        // embedding update). Always scaled (by 1 without clipping, which is exact).
        pool.forRange(param.size(), (long) param.size() * VectorMath.UNITS_PER_NS / 2, (from, to) -> {
            FloatVector b1 = FloatVector.broadcast(F, beta1), oneMinusB1 = FloatVector.broadcast(F, 1 - beta1);
            FloatVector b2 = FloatVector.broadcast(F, beta2), oneMinusB2 = FloatVector.broadcast(F, 1 - beta2);
            FloatVector keep = FloatVector.broadcast(F, decay), lr = FloatVector.broadcast(F, stepSize);
            FloatVector unbias = FloatVector.broadcast(F, invSqrtC2), epsilon = FloatVector.broadcast(F, eps);
            FloatVector scale = FloatVector.broadcast(F, gradScale);
            for (int i = from; i < to; i += LANES) {
                VectorMask<Float> lanes = VectorMath.tail(i, to);
                FloatVector g = FloatVector.fromArray(F, gd, go + i, lanes).mul(scale);
                FloatVector mv = FloatVector.fromArray(F, md, mo + i, lanes).mul(b1).add(g.mul(oneMinusB1));
                FloatVector vv = FloatVector.fromArray(F, vd, vo + i, lanes).mul(b2).add(g.mul(g).mul(oneMinusB2));
                FloatVector denom = vv.sqrt().mul(unbias).add(epsilon);
                FloatVector pv = FloatVector.fromArray(F, pd, po + i, lanes).mul(keep).sub(mv.mul(lr).div(denom));
                mv.intoArray(md, mo + i, lanes);
                vv.intoArray(vd, vo + i, lanes);
                pv.intoArray(pd, po + i, lanes);
            }
        });
    }
}
