package org.peft4j.backend.jvm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 lane functions shared by the JVM kernels, on the widest vector shape this CPU prefers.
 *
 * <p>Every function here is built from single IEEE operations (add, mul, fma, bit moves) only, so
 * a result is the same bits whether the JIT has compiled the Vector API to AVX-512 or it still
 * runs its Java fallback: the JDK's {@code VectorOperators.EXP} and {@code reduceLanes(ADD)} are
 * not (the intrinsic and the fallback round differently), which would break bit-exact resume.
 *
 * <p>Work estimates for {@link Parallel#forRange}: the vectorised kernels count one unit per
 * ~0.25 ns of single-thread time ({@link #UNITS_PER_NS}). A two-thread fork and join costs about
 * 6 µs, so the {@value Parallel#SERIAL_WORK_THRESHOLD}-unit threshold forks only jobs of ~16 µs
 * and more: GELU from ~16K values, an elementwise add from ~64K.
 */
final class VectorMath {
    private VectorMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    static final int LANES = F.length();

    /** Work units per nanosecond of single-thread time (see the class comment). */
    static final int UNITS_PER_NS = 4;

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    /** Every lane: the mask of a loop's full vectors, for steps written once for both cases. */
    static final VectorMask<Float> ALL = F.maskAll(true);

    /** Lanes {@code [i, to)} of a vector starting at {@code i}: the mask of a loop's tail. */
    static VectorMask<Float> tail(int i, int to) {
        return F.indexInRange(i, to);
    }

    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer in the low bits

    /**
     * e^x as Cephes' {@code expf}: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial,
     * 2^n put into the exponent bits. Max relative error about 2 ulp; inputs clamped to
     * [−87.3, 88.7] (below: ~0, above: ~FLT_MAX).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-87.33654f).min(88.72283f);
        FloatVector shifted = xc.fma(LOG2E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.fma(c(-LN2_HI), xc);
        r = n.fma(c(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, c(8.3334519073e-3f));
        p = p.fma(r, c(4.1665795894e-2f));
        p = p.fma(r, c(1.6666665459e-1f));
        p = p.fma(r, c(5.0000001201e-1f));
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = er.mul(bits.reinterpretAsFloats());
        return result.blend(FloatVector.zero(F), x.compare(VectorOperators.LT, -87.33654f));
    }

    private static FloatVector c(float value) {
        return FloatVector.broadcast(F, value);
    }

    /** Σ lanes, added in lane order (the same bits compiled or interpreted, unlike {@code reduceLanes(ADD)}). */
    static float sumLanes(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0f;
        for (float l : lanes) s += l;
        return s;
    }

    /** σ(x) = 1/(1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(F, 1f).div(exp(x.neg()).add(1f));
    }

    /**
     * Φ(x) = ½·erfc(−x/√2), with erfc from the Chebyshev fit of Numerical Recipes (fractional
     * error below 1.2e-7 for every argument, so small tails keep their relative accuracy):
     * <pre>
     *   erfc(z) = t·exp(−z² − 1.26551223 + t·P(t)),  t = 1/(1 + z/2),  z ≥ 0
     * </pre>
     */
    static FloatVector normalCdf(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(F, 1f).div(z.fma(0.5f, 1f));
        FloatVector p = t.fma(0.17087277f, -0.82215223f);
        p = p.fma(t, FloatVector.broadcast(F, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(F, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(F, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(F, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(F, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(F, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(F, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(F, -1.26551223f));
        FloatVector halfErfc = t.mul(0.5f).mul(exp(p.sub(z.mul(z))));
        return FloatVector.broadcast(F, 1f).sub(halfErfc).blend(halfErfc, x.lt(0f));
    }

    /** φ(x) = e^(−x²/2)/√(2π). */
    static FloatVector normalPdf(FloatVector x) {
        return exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
    }

    /** The lanes of {@code v} added first to last, an order that does not depend on the compiler. */
    static double sumLanes(DoubleVector v) {
        double s = 0;
        for (double lane : v.toArray()) s += lane;
        return s;
    }
}
