package org.peft4j.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Fused attention on TornadoVM ({@link org.peft4j.backend.Ops#attention}), heads read from and
 * written to their column blocks of packed {@code [B, S, W]} arrays. Every work-item owns one row
 * of probabilities or one element of a result, so no two write the same place:
 * <pre>
 *   forward:   probabilities  (b, h, i):     P[i, :] = softmax(scale·Q_i·Kᵀ + mask)
 *              outputs        (b, i, h, e):  out = Σ_j P̃_ij·V_je
 *   backward:  values         (b, j, h, e):  dV = Σ_i P̃_ij·dO_ie            (reads P)
 *              scoreGradients (b, h, i):     dS[i, :] = P ⊙ (dP − Σ_j P·dP)  (over P, row by row)
 *              queries        (b, i, h, e):  dQ = scale·Σ_j dS_ij·K_je
 *              keys           (b, j, h, e):  dK = scale·Σ_i dS_ij·Q_ie
 * </pre>
 * with {@code P̃ = dropout(P)} and {@code dP = dropout'(dO·Vᵀ)}, the dropout mask regenerated
 * from its hash wherever it is needed. {@code keyMask [B, S]} is all ones without padding (a flag
 * tested in the same condition as the mask was compiled wrongly for some work-items on PoCL).
 * {@code d} = {B, H, S, D, qW, kW, vW, qCol, kCol, vCol, causal}; {@code h} = {scale, p, 1/(1−p), site}.
 */
public final class AttentionKernels {
    private AttentionKernels() {}

    public static void probabilities(float[] q, float[] k, int[] keyMask, float[] probs, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3];
        for (@Parallel int r = 0; r < d[0] * heads * seq; r++) {
            int b = r / (heads * seq), head = (r / seq) % heads, i = r % seq;
            int qi = (b * seq + i) * d[4] + d[7] + head * dim;
            int limit = d[10] == 1 ? i + 1 : seq;
            float max = -Float.MAX_VALUE;
            int seen = 0;
            for (int j = 0; j < seq; j++) probs[r * seq + j] = 0f;
            for (int j = 0; j < limit; j++) {
                if (keyMask[b * seq + j] != 0) {
                    int kj = (b * seq + j) * d[5] + d[8] + head * dim;
                    float dot = 0f;
                    for (int e = 0; e < dim; e++) dot += q[qi + e] * k[kj + e];
                    float z = h[0] * dot;
                    max = TornadoMath.max(max, z);
                    probs[r * seq + j] = z;
                    seen++;
                }
            }
            float sum = 0f;
            for (int j = 0; j < limit; j++) {
                if (keyMask[b * seq + j] != 0) {
                    float e = TornadoMath.exp(probs[r * seq + j] - max);
                    probs[r * seq + j] = e;
                    sum += e;
                }
            }
            float inv = seen > 0 ? 1f / sum : 0f;
            for (int j = 0; j < limit; j++) probs[r * seq + j] = probs[r * seq + j] * inv;
        }
    }

    public static void outputs(float[] probs, float[] v, int[] seed, float[] out, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3], width = heads * dim;
        for (@Parallel int o = 0; o < d[0] * seq * width; o++) {
            int b = o / (seq * width), i = (o / width) % seq, head = (o % width) / dim, e = o % dim;
            int row = ((b * heads + head) * seq + i) * seq;
            long key = ElementKernels.dropoutKey(seed, h[3]);
            float sum = 0f;
            for (int j = 0; j < seq; j++) {
                sum += kept(probs, row + j, key, h) * v[(b * seq + j) * d[6] + d[9] + head * dim + e];
            }
            out[o] = sum;
        }
    }

    public static void values(float[] probs, float[] dOut, int[] seed, float[] dv, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3], width = heads * dim;
        for (@Parallel int o = 0; o < d[0] * seq * width; o++) {
            int b = o / (seq * width), j = (o / width) % seq, head = (o % width) / dim, e = o % dim;
            int column = (b * heads + head) * seq * seq + j;
            long key = ElementKernels.dropoutKey(seed, h[3]);
            float sum = 0f;
            for (int i = 0; i < seq; i++) sum += kept(probs, column + i * seq, key, h) * dOut[(b * seq + i) * width + head * dim + e];
            dv[(b * seq + j) * d[6] + d[9] + head * dim + e] = sum;
        }
    }

    public static void scoreGradients(float[] probs, float[] v, float[] dOut, int[] seed, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3], width = heads * dim;
        for (@Parallel int r = 0; r < d[0] * heads * seq; r++) {
            int b = r / (heads * seq), head = (r / seq) % heads, i = r % seq;
            long key = ElementKernels.dropoutKey(seed, h[3]);
            float delta = 0f;
            for (int j = 0; j < seq; j++) delta += probs[r * seq + j] * probabilityGradient(v, dOut, key, h, d, b, head, i, j, r * seq + j);
            for (int j = 0; j < seq; j++) {
                float dp = probabilityGradient(v, dOut, key, h, d, b, head, i, j, r * seq + j);
                probs[r * seq + j] = probs[r * seq + j] * (dp - delta);
            }
        }
    }

    public static void queries(float[] dScores, float[] k, float[] dq, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3], width = heads * dim;
        for (@Parallel int o = 0; o < d[0] * seq * width; o++) {
            int b = o / (seq * width), i = (o / width) % seq, head = (o % width) / dim, e = o % dim;
            int row = ((b * heads + head) * seq + i) * seq;
            float sum = 0f;
            for (int j = 0; j < seq; j++) sum += dScores[row + j] * k[(b * seq + j) * d[5] + d[8] + head * dim + e];
            dq[(b * seq + i) * d[4] + d[7] + head * dim + e] = h[0] * sum;
        }
    }

    public static void keys(float[] dScores, float[] q, float[] dk, float[] h, int[] d) {
        int heads = d[1], seq = d[2], dim = d[3], width = heads * dim;
        for (@Parallel int o = 0; o < d[0] * seq * width; o++) {
            int b = o / (seq * width), j = (o / width) % seq, head = (o % width) / dim, e = o % dim;
            int column = (b * heads + head) * seq * seq + j;
            float sum = 0f;
            for (int i = 0; i < seq; i++) sum += dScores[column + i * seq] * q[(b * seq + i) * d[4] + d[7] + head * dim + e];
            dk[(b * seq + j) * d[5] + d[8] + head * dim + e] = h[0] * sum;
        }
    }

    /** {@code P̃} at flat index {@code at}: P, or P·keep/(1 − p) with dropout. */
    private static float kept(float[] probs, int at, long key, float[] h) {
        float p = probs[at];
        if (h[1] > 0f) p = ElementKernels.kept(key, at, h[1]) ? p * h[2] : 0f;
        return p;
    }

    /** {@code dP_ij = dropout'(dO_i·V_j)} at flat index {@code at} of the probabilities. */
    private static float probabilityGradient(float[] v, float[] dOut, long key, float[] h, int[] d, int b, int head, int i, int j, int at) {
        int heads = d[1], seq = d[2], dim = d[3];
        int oi = (b * seq + i) * heads * dim + head * dim, vj = (b * seq + j) * d[6] + d[9] + head * dim;
        float dot = 0f;
        for (int e = 0; e < dim; e++) dot += dOut[oi + e] * v[vj + e];
        if (h[1] > 0f) dot = ElementKernels.kept(key, at, h[1]) ? dot * h[2] : 0f;
        return dot;
    }
}
