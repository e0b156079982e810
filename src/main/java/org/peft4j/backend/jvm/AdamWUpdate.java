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
 *   θ ← θ·(1 − lr·λ) − (lr/c1) · m / (√v/√c2 + ε),   c1 = 1 − β1^t,  c2 = 1 − β2^t
 * </pre>
 */
final class AdamWUpdate {
    private AdamWUpdate() {}

    static void apply(Parallel pool, Tensor param, Tensor grad, Tensor m, Tensor v, AdamW h) {
        Shapes.requireSameSize("adamW", param, grad);
        Shapes.requireSameSize("adamW", param, m);
        Shapes.requireSameSize("adamW", param, v);
        Moments moments = new Moments(h);
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

    /** The step's constants, derived once per call. */
    private record Moments(float beta1, float beta2, float decay, float stepSize, float invSqrtC2, float eps) {
        Moments(AdamW h) {
            this(h.beta1(), h.beta2(), 1 - h.lr() * h.weightDecay(), h.lr() / h.biasCorrection1(),
                    (float) (1 / Math.sqrt(h.biasCorrection2())), h.eps());
        }

        void step(float[] p, int pi, float[] g, int gi, float[] m, int mi, float[] v, int vi, VectorMask<Float> lanes) {
            FloatVector gv = FloatVector.fromArray(F, g, gi, lanes);
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
