package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Element-wise kernels for TornadoVM: GELU (erf form) forward and backward, sums, copies, bias
 * add and its column-sum gradient, counter-based dropout, axpy, and the AdamW update.
 */
public final class ElementKernels {
    private static final float INV_SQRT2 = 0.70710678f;
    private static final float INV_SQRT_2PI = 0.39894228f;

    private ElementKernels() {}

    /** {@code y = x·Φ(x)}. */
    public static void gelu(float[] x, float[] y, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float v = x[i];
            y[i] = v * normalCdf(v);
        }
    }

    /** {@code dx = dy·(Φ(x) + x·φ(x))}. */
    public static void geluBackward(float[] x, float[] dy, float[] dx, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float v = x[i];
            float pdf = TornadoMath.exp(-0.5f * v * v) * INV_SQRT_2PI;
            dx[i] = dy[i] * (normalCdf(v) + v * pdf);
        }
    }

    /** {@code out = a + b} (out may alias a or b). */
    public static void add(float[] a, float[] b, float[] out, int size) {
        for (@Parallel int i = 0; i < size; i++) out[i] = a[i] + b[i];
    }

    /** {@code x[r, :] += bias}. */
    public static void addBias(float[] x, float[] bias, int size, int n) {
        for (@Parallel int i = 0; i < size; i++) x[i] += bias[i % n];
    }

    /** {@code dbias[j] += Σ_r dy[r, j]}, one work-item per column, rows in order. */
    public static void biasGradient(float[] dy, float[] dbias, int rows, int n) {
        for (@Parallel int j = 0; j < n; j++) {
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += dy[r * n + j];
            dbias[j] += sum;
        }
    }

    public static void copy(float[] src, float[] dst, int size) {
        for (@Parallel int i = 0; i < size; i++) dst[i] = src[i];
    }

    /** {@code x[i] = value[0]}. */
    public static void fill(float[] x, float[] value, int size) {
        for (@Parallel int i = 0; i < size; i++) x[i] = value[0];
    }

    /**
     * Inverted dropout with the JVM backend's counter-based mask: element i is kept iff
     * {@code u = (mix(key + i) >>> 11)·2⁻⁵³ ≥ p}, with {@code key = mix((seed << 32) ^ step ^ site·φ64)},
     * mix the SplitMix64 finaliser; kept elements are scaled by 1/(1−p). {@code seed} = {seed, step};
     * {@code h} = {p, 1/(1−p), site} (the site, a small count, is exact as a float).
     */
    public static void dropout(float[] x, int[] seed, float[] y, float[] h, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            long key = dropoutKey(seed, h[2]);
            y[i] = kept(key, i, h[0]) ? x[i] * h[1] : 0f;
        }
    }

    /** The mask's key at {@code seed} = {seed, step} and a site (exact as a float). */
    static long dropoutKey(int[] seed, float site) {
        return mix((((long) seed[0]) << 32) ^ (seed[1] & 0xFFFFFFFFL) ^ (((long) site) * 0x9E3779B97F4A7C15L));
    }

    /** Whether element {@code i} survives dropout with probability {@code p} under {@code key}. */
    static boolean kept(long key, int i, float p) {
        return shiftRightUnsigned(mix(key + i), 11) * 0x1.0p-53 >= p;
    }

    /** {@code y += α·x}, α = {@code alpha[0]}. */
    public static void axpy(float[] x, float[] y, float[] alpha, int size) {
        for (@Parallel int i = 0; i < size; i++) y[i] += alpha[0] * x[i];
    }

    /**
     * AdamW with the host's operation order after global-norm clipping: {@code g ← g·scale},
     * {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²},
     * {@code θ ← θ·(1 − lr·λ) − (lr/c1)·m / (√v/√c2 + ε)}. {@code h} = {β1, β2, 1 − lr·λ, lr/c1, 1/√c2, ε, maxNorm}
     * ({@link org.peft4j.backend.AdamW#writeTo}); scale = min(1, maxNorm/(√normSquared[0] + 1e-6)), or 1 when
     * maxNorm ≤ 0. A norm² beyond float's range skips the update where the OpenCL compiler keeps the comparison
     * (TornadoVM compiles with {@code -cl-fast-relaxed-math}, which lets it assume finite values).
     */
    public static void adamW(float[] p, float[] g, float[] m, float[] v, float[] h, float[] normSquared, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float ns = normSquared[0];
            if (ns <= Float.MAX_VALUE) {
                float scale = h[6] > 0f ? TornadoMath.min(1f, h[6] / (TornadoMath.sqrt(ns) + 1e-6f)) : 1f;
                float grad = g[i] * scale;
                float mi = m[i] * h[0] + grad * (1f - h[0]);
                float vi = v[i] * h[1] + grad * grad * (1f - h[1]);
                float denom = TornadoMath.sqrt(vi) * h[4] + h[5];
                p[i] = p[i] * h[2] - mi * h[3] / denom;
                m[i] = mi;
                v[i] = vi;
            }
        }
    }

    private static long mix(long z) {
        long a = (z ^ shiftRightUnsigned(z, 30)) * 0xBF58476D1CE4E5B9L;
        long b = (a ^ shiftRightUnsigned(a, 27)) * 0x94D049BB133111EBL;
        return b ^ shiftRightUnsigned(b, 31);
    }

    /** {@code z >>> n} spelled as a shift and a mask: TornadoVM's OpenCL code shifts longs arithmetically. */
    private static long shiftRightUnsigned(long z, int n) {
        return (z >> n) & ((1L << (64 - n)) - 1);
    }

    /** Φ(x) = ½·erfc(−x/√2), erfc from the Chebyshev fit of Numerical Recipes (as the JVM backend). */
    private static float normalCdf(float x) {
        float z = TornadoMath.abs(x) * INV_SQRT2;
        float t = 1f / (1f + 0.5f * z);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
                + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float halfErfc = 0.5f * t * TornadoMath.exp(poly - z * z);
        return x < 0f ? halfErfc : 1f - halfErfc;
    }
}
