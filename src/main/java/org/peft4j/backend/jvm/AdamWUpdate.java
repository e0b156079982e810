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
        Moments moments = new Moments(constants[0], constants[1], constants[2], constants[3], constants[4], constants[5], gradScale);
        float[] pd = param.data(), gd = grad.data(), md = m.data(), vd = v.data();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        pool.forRange(param.size(), (long) param.size() * VectorMath.UNITS_PER_NS / 2, (from, to) -> {
            int i = from;
            for (int bound = from + F.loopBound(to - from); i < bound; i += LANES) {
                moments.step(pd, po + i, gd, go + i, md, mo + i, vd, vo + i, F.maskAll(true));
            }
            if (i < to) moments.step(pd, po + i, gd, go + i, md, mo + i, vd, vo + i, VectorMath.tail(i, to));
        });
    }

    /** The step's constants ({@link AdamW#kernelConstants}) and gradient scale. */
    private record Moments(float beta1, float beta2, float decay, float stepSize, float invSqrtC2, float eps, float gradScale) {
        void step(float[] p, int pi, float[] g, int gi, float[] m, int mi, float[] v, int vi, VectorMask<Float> lanes) {
            FloatVector gv = FloatVector.fromArray(F, g, gi, lanes);
            if (gradScale != 1f) gv = gv.mul(gradScale);
            FloatVector mv = FloatVector.fromArray(F, m, mi, lanes).mul(beta1).add(gv.mul(1 - beta1));
            FloatVector vv = FloatVector.fromArray(F, v, vi, lanes).mul(beta2).add(gv.mul(gv).mul(1 - beta2));
            FloatVector denom = vv.sqrt().mul(invSqrtC2).add(eps);
            FloatVector pv = FloatVector.fromArray(F, p, pi, lanes).mul(decay).sub(mv.mul(stepSize).div(denom));
            mv.intoArray(m, mi, lanes);
            vv.intoArray(v, vi, lanes);
            pv.intoArray(p, pi, lanes);
        }
    }
}
