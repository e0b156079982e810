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
 * ~0.25 ns of single-thread time ({@link #UNITS_PER_NS}). A two-thread fork and join costs 1–3 µs
 * while the workers spin and up to ~25 µs once they have parked, so the
 * {@value Parallel#SERIAL_WORK_THRESHOLD}-unit threshold forks only jobs of ~16 µs and more: GELU
 * from ~16K values, an elementwise add from ~64K.
 */
final class VectorMath {
    private VectorMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    static final int LANES = F.length();

    /** Work units per nanosecond of single-thread time (see the class comment). */
    static final int UNITS_PER_NS = 4;

    /** Every lane: the mask of a loop's full vectors, for steps written once for both cases. */
    static final VectorMask<Float> ALL = F.maskAll(true);

    /** Lanes {@code [i, to)} of a vector starting at {@code i}: the mask of a loop's tail. */
    static VectorMask<Float> tail(int i, int to) {
        return F.indexInRange(i, to);
    }

    // Constants as vectors: an op with a scalar operand broadcasts it on every call, and each broadcast
    // adds IR nodes to C2's inlining budget for the whole kernel (see JitDirectives).
    private static final FloatVector ZERO = c(0f), ONE = c(1f), HALF = c(0.5f), MINUS_HALF = c(-0.5f);
    private static final FloatVector INV_SQRT2 = c((float) (1 / Math.sqrt(2)));
    private static final FloatVector INV_SQRT_2PI = c((float) (1 / Math.sqrt(2 * Math.PI)));

    private static final FloatVector EXP_MIN = c(-87.33654f), EXP_MAX = c(88.72283f);
    private static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer in the low bits
    private static final FloatVector LOG2E = c(1.44269504088896341f), ROUNDER_V = c(ROUNDER);
    private static final FloatVector MINUS_LN2_HI = c(-0.693359375f), MINUS_LN2_LO = c(2.12194440e-4f);
    private static final FloatVector EXP_P0 = c(1.9875691500e-4f), EXP_P1 = c(1.3981999507e-3f), EXP_P2 = c(8.3334519073e-3f),
            EXP_P3 = c(4.1665795894e-2f), EXP_P4 = c(1.6666665459e-1f), EXP_P5 = c(5.0000001201e-1f);
    /** Subtracted from the rounder's bits, leaves n + 127, the biased exponent of 2^n. */
    private static final IntVector ROUNDER_BITS_MINUS_BIAS = IntVector.broadcast(F.vectorShape().withLanes(int.class),
            Float.floatToRawIntBits(ROUNDER) - 127);

    /**
     * e^x as Cephes' {@code expf}: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial,
     * 2^n put into the exponent bits. Max relative error about 2 ulp; inputs clamped to
     * [−87.3, 88.7] (below: ~0, above: ~FLT_MAX).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector shifted = xc.fma(LOG2E, ROUNDER_V);
        FloatVector n = shifted.sub(ROUNDER_V);
        FloatVector r = n.fma(MINUS_LN2_HI, xc);
        r = n.fma(MINUS_LN2_LO, r);
        FloatVector p = r.fma(EXP_P0, EXP_P1);
        p = p.fma(r, EXP_P2);
        p = p.fma(r, EXP_P3);
        p = p.fma(r, EXP_P4);
        p = p.fma(r, EXP_P5);
        FloatVector er = p.mul(r.mul(r)).add(r).add(ONE);
        IntVector bits = shifted.reinterpretAsInts().sub(ROUNDER_BITS_MINUS_BIAS).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = er.mul(bits.reinterpretAsFloats());
        return result.blend(ZERO, x.compare(VectorOperators.LT, EXP_MIN));
    }

    private static FloatVector c(float value) {
        return FloatVector.broadcast(F, value);
    }

    /** Σ lanes, added in lane order (the same bits compiled or interpreted, unlike {@code reduceLanes(ADD)}). */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < LANES; i++) s += v.lane(i);
        return s;
    }

    /** σ(x) = 1/(1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    private static final FloatVector ERFC_0 = c(-1.26551223f), ERFC_1 = c(1.00002368f), ERFC_2 = c(0.37409196f),
            ERFC_3 = c(0.09678418f), ERFC_4 = c(-0.18628806f), ERFC_5 = c(0.27886807f), ERFC_6 = c(-1.13520398f),
            ERFC_7 = c(1.48851587f), ERFC_8 = c(-0.82215223f), ERFC_9 = c(0.17087277f);

    /**
     * Φ(x) = ½·erfc(−x/√2), with erfc from the Chebyshev fit of Numerical Recipes (fractional
     * error below 1.2e-7 for every argument, so small tails keep their relative accuracy):
     * <pre>
     *   erfc(z) = t·exp(−z² + Σ_k ERFC_k·t^k),  t = 1/(1 + z/2),  z ≥ 0
     * </pre>
     */
    static FloatVector normalCdf(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t = ONE.div(z.fma(HALF, ONE));
        FloatVector p = t.fma(ERFC_9, ERFC_8);
        p = p.fma(t, ERFC_7);
        p = p.fma(t, ERFC_6);
        p = p.fma(t, ERFC_5);
        p = p.fma(t, ERFC_4);
        p = p.fma(t, ERFC_3);
        p = p.fma(t, ERFC_2);
        p = p.fma(t, ERFC_1);
        p = p.fma(t, ERFC_0);
        FloatVector halfErfc = t.mul(HALF).mul(exp(p.sub(z.mul(z))));
        return ONE.sub(halfErfc).blend(halfErfc, x.compare(VectorOperators.LT, ZERO));
    }

    /** φ(x) = e^(−x²/2)/√(2π). */
    static FloatVector normalPdf(FloatVector x) {
        return exp(x.mul(x).mul(MINUS_HALF)).mul(INV_SQRT_2PI);
    }

    /** The lanes of {@code v} added first to last, an order that does not depend on the compiler. */
    static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < D.length(); i++) s += v.lane(i);
        return s;
    }
}
