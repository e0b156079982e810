package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;
import static org.peft4j.testing.ReferenceOps.toDouble;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck;
import org.peft4j.testing.GuardedViews;
import org.peft4j.testing.ReferenceOps;

/**
 * Fused attention against a float64 reference written from {@link org.peft4j.backend.Ops#attention}'s
 * formulas (the dropout mask taken from the backend's own, separately tested {@code dropout}), its
 * backward also against finite differences, on fresh random inputs with heads at odd columns of
 * packed tensors.
 */
class AttentionTest {
    private static final double RTOL = 2e-5, ATOL = 2e-6;

    /** One configuration: sizes, where the heads sit, masking, dropout, and whether q, k, v share one tensor. */
    record Case(int batch, int heads, int seq, int dim, boolean packedTogether, boolean padded, boolean causal, float dropout) {
        int width() { return heads * dim; }

        int packedWidth() { return packedTogether ? 3 * width() + 2 : width() + 3; }

        AttentionSpec spec() {
            return packedTogether
                    ? new AttentionSpec(1, width() + 1, 2 * width() + 2, 0.41f, causal, dropout, 3)
                    : new AttentionSpec(2, 0, 3, 0.41f, causal, dropout, 3);
        }

        IntTensor keyMask() {
            if (!padded) return null;
            int[] m = new int[batch * seq];
            for (int b = 0; b < batch; b++) for (int j = 0; j < seq; j++) m[b * seq + j] = j < seq - b ? 1 : 0;
            if (batch > 2) java.util.Arrays.fill(m, 2 * seq, 3 * seq, 0); // a sequence with every key padded
            return new IntTensor(m, new int[] {batch, seq});
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = List.of(
                new Case(2, 3, 7, 5, false, true, false, 0.2f),
                new Case(3, 2, 9, 4, true, true, true, 0f),
                new Case(2, 2, 33, 32, true, false, true, 0.1f),
                new Case(2, 4, 40, 32, false, true, false, 0.3f),
                new Case(3, 3, 70, 32, false, true, true, 0.2f),
                new Case(1, 1, 1, 1, false, false, false, 0f));
        return Stream.of(1, 2).flatMap(t -> cases.stream().map(c -> Arguments.of(t, c)));
    }

    private static final IntTensor SEED = new IntTensor(new int[] {11, 5}, new int[] {2});

    @ParameterizedTest(name = "threads={0} {1}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheReference(int threads, Case c) {
        JvmBackend ops = TestBackends.threads(threads);
        Tensor[] qkv = inputs(c, 100);
        Tensor probs = GuardedViews.offsetCopy(Tensor.zeros(c.batch(), c.heads(), c.seq(), c.seq()));
        Tensor out = GuardedViews.offsetCopy(Tensor.zeros(c.batch(), c.seq(), c.width()));
        ops.attention(c.spec(), qkv[0], qkv[1], qkv[2], c.keyMask(), SEED, probs, out);
        Reference ref = new Reference(c, qkv, keepScale(ops, c));
        assertAllClose(ref.probs, probs, RTOL, ATOL, "probs");
        assertAllClose(ref.out, out, RTOL, ATOL, "out");
        GuardedViews.assertGuardsIntact(out, "attention out");
        GuardedViews.assertGuardsIntact(probs, "attention probs");

        Tensor dOut = Tensor.uniform(7, 1f, c.batch(), c.seq(), c.width());
        Tensor[] grads = gradients(c);
        ops.attentionBackward(c.spec(), qkv[0], qkv[1], qkv[2], SEED, probs, dOut, grads[0], grads[1], grads[2]);
        Reference.Backward back = ref.backward(toDouble(dOut));
        assertAllClose(back.dScores(), probs, RTOL, 1e-6, "dS (left in probs)");
        String[] names = {"dq", "dk", "dv"};
        for (int g = 0; g < 3; g++) {
            assertAllClose(back.packed()[g], grads[g], RTOL, 1e-6, names[g]);
            GuardedViews.assertGuardsIntact(grads[g], names[g]);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Case c = new Case(2, 4, 40, 32, false, true, false, 0.3f);
        float[][] results = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            JvmBackend ops = TestBackends.threads(threads);
            Tensor[] qkv = inputs(c, 5);
            Tensor probs = Tensor.zeros(c.batch(), c.heads(), c.seq(), c.seq()), out = Tensor.zeros(c.batch(), c.seq(), c.width());
            ops.attention(c.spec(), qkv[0], qkv[1], qkv[2], c.keyMask(), SEED, probs, out);
            Tensor[] grads = gradients(c);
            ops.attentionBackward(c.spec(), qkv[0], qkv[1], qkv[2], SEED, probs, Tensor.uniform(9, 1f, c.batch(), c.seq(), c.width()),
                    grads[0], grads[1], grads[2]);
            results[threads - 1] = concat(out, probs, grads[0], grads[1], grads[2]);
        }
        assertArrayEquals(results[0], results[1]);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Case c = new Case(2, 2, 37, 3, true, true, true, 0.25f); // causal over two row blocks
        JvmBackend ops = TestBackends.threads(1);
        Tensor qkv = inputs(c, 21)[0];
        Tensor probs = Tensor.zeros(c.batch(), c.heads(), c.seq(), c.seq()), out = Tensor.zeros(c.batch(), c.seq(), c.width());
        Tensor weights = Tensor.uniform(4, 1f, c.batch(), c.seq(), c.width());
        Tensor dqkv = Tensor.zeros(qkv.shape());
        GradientCheck.check(() -> {
            ops.attention(c.spec(), qkv, qkv, qkv, c.keyMask(), SEED, probs, out);
            return GradientCheck.weightedSum(out, weights);
        }, () -> {
            ops.attention(c.spec(), qkv, qkv, qkv, c.keyMask(), SEED, probs, out);
            ops.fill(dqkv, 0f);
            ops.attentionBackward(c.spec(), qkv, qkv, qkv, SEED, probs, weights, dqkv, dqkv, dqkv);
        }, List.of(new GradientCheck.Probe("qkv", qkv, dqkv)), new GradientCheck.Settings(1e-2, 2e-2, 2e-4, 40, 3));
    }

    @Test
    void badShapesAreNamed() {
        JvmBackend ops = TestBackends.threads(1);
        AttentionSpec spec = new AttentionSpec(0, 0, 0, 1f, false, 0f, 0);
        Tensor x = Tensor.zeros(2, 5, 8);
        ShapeException e = assertThrows(ShapeException.class,
                () -> ops.attention(spec, x, x, x, null, null, Tensor.zeros(2, 3, 5, 5), Tensor.zeros(2, 5, 8)));
        assertTrue(e.getMessage().contains("does not hold 3 heads"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> ops.attention(new AttentionSpec(4, 0, 0, 1f, false, 0f, 0), x, x, x, null, null, Tensor.zeros(2, 2, 5, 5), Tensor.zeros(2, 5, 8)));
        assertTrue(e.getMessage().contains("q [2, 5, 8]") && e.getMessage().contains("[4, 12)"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> ops.attention(spec, x, x, x, new IntTensor(new int[5], new int[] {1, 5}), null,
                Tensor.zeros(2, 2, 5, 5), Tensor.zeros(2, 5, 8)));
        assertTrue(e.getMessage().contains("key mask"), e.getMessage());
        IllegalArgumentException noSeed = assertThrows(IllegalArgumentException.class, () -> ops.attention(
                new AttentionSpec(0, 0, 0, 1f, false, 0.1f, 0), x, x, x, null, null, Tensor.zeros(2, 2, 5, 5), Tensor.zeros(2, 5, 8)));
        assertTrue(noSeed.getMessage().contains("seed"), noSeed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AttentionSpec(0, 0, 0, 1f, false, 1f, 0));
    }

    /** q, k, v: one packed tensor three times, or three separate ones at different columns, at offsets with guards. */
    private static Tensor[] inputs(Case c, long seed) {
        if (c.packedTogether()) {
            Tensor qkv = GuardedViews.offsetCopy(Tensor.normal(seed, 1f, c.batch(), c.seq(), c.packedWidth()));
            return new Tensor[] {qkv, qkv, qkv};
        }
        Tensor[] t = new Tensor[3];
        for (int i = 0; i < 3; i++) t[i] = GuardedViews.offsetCopy(Tensor.normal(seed + i, 1f, c.batch(), c.seq(), c.packedWidth()));
        return t;
    }

    /** Gradient buffers laid out as the inputs, filled with guards so that columns outside the heads must stay untouched. */
    private static Tensor[] gradients(Case c) {
        Tensor fill = Tensor.zeros(c.batch(), c.seq(), c.packedWidth());
        java.util.Arrays.fill(fill.data(), GuardedViews.GUARD);
        if (c.packedTogether()) {
            Tensor g = GuardedViews.offsetCopy(fill);
            return new Tensor[] {g, g, g};
        }
        return new Tensor[] {GuardedViews.offsetCopy(fill), GuardedViews.offsetCopy(fill), GuardedViews.offsetCopy(fill)};
    }

    /** keep/(1 − p) per probability, as the backend's dropout draws it at the spec's site (all ones without dropout). */
    private static double[] keepScale(JvmBackend ops, Case c) {
        Tensor ones = Tensor.zeros(c.batch(), c.heads(), c.seq(), c.seq());
        java.util.Arrays.fill(ones.data(), 1f);
        if (c.dropout() == 0f) return toDouble(ones);
        Tensor kept = Tensor.zeros(ones.shape());
        ops.dropout(ones, c.dropout(), SEED, c.spec().dropoutSite(), kept);
        return toDouble(kept);
    }

    private static float[] concat(Tensor... ts) {
        int n = 0;
        for (Tensor t : ts) n += t.size();
        float[] all = new float[n];
        int at = 0;
        for (Tensor t : ts) {
            System.arraycopy(t.toArray(), 0, all, at, t.size());
            at += t.size();
        }
        return all;
    }

    /** The formulas in double, head by head. */
    private static final class Reference {
        final Case c;
        final double[][] q, k, v; // [B·H][S·D]
        final double[] keep, probs, out;

        record Backward(double[] dScores, double[][] packed) {}

        Reference(Case c, Tensor[] qkv, double[] keep) {
            this.c = c;
            this.keep = keep;
            AttentionSpec spec = c.spec();
            q = heads(qkv[0], spec.qColumn());
            k = heads(qkv[1], spec.kColumn());
            v = heads(qkv[2], spec.vColumn());
            int s = c.seq(), bh = c.batch() * c.heads();
            double[] scores = new double[bh * s * s];
            for (int h = 0; h < bh; h++) product(q[h], k[h], s, s, c.dim(), false, true, scores, h * s * s);
            IntTensor mask = c.keyMask();
            probs = ReferenceOps.attentionSoftmax(scores, c.batch(), c.heads(), s, spec.scale(), mask == null ? null : mask.data(), c.causal());
            double[] heads = new double[bh * s * c.dim()];
            for (int h = 0; h < bh; h++) product(kept(h), v[h], s, c.dim(), s, false, false, heads, h * s * c.dim());
            out = merged(heads);
        }

        Backward backward(double[] dOutPacked) {
            int s = c.seq(), d = c.dim(), bh = c.batch() * c.heads();
            double[][] dO = headsOf(dOutPacked, c.width(), 0);
            double[] dS = new double[probs.length];
            double[][] dq = new double[bh][s * d], dk = new double[bh][s * d], dv = new double[bh][s * d];
            for (int h = 0; h < bh; h++) {
                product(kept(h), dO[h], s, d, s, true, false, dv[h], 0);
                double[] dKept = new double[s * s];
                product(dO[h], v[h], s, s, d, false, true, dKept, 0);
                double[] dP = new double[s * s], p = new double[s * s];
                for (int i = 0; i < s * s; i++) {
                    dP[i] = dKept[i] * keep[h * s * s + i];
                    p[i] = probs[h * s * s + i];
                }
                double[] ds = ReferenceOps.softmaxBackward(p, dP, s, s);
                System.arraycopy(ds, 0, dS, h * s * s, s * s);
                product(ds, k[h], s, d, s, false, false, dq[h], 0);
                product(ds, q[h], s, d, s, true, false, dk[h], 0);
                for (int i = 0; i < s * d; i++) {
                    dq[h][i] *= c.spec().scale();
                    dk[h][i] *= c.spec().scale();
                }
            }
            AttentionSpec spec = c.spec();
            double[][] packed;
            if (c.packedTogether()) {
                double[] all = guards();
                place(dq, spec.qColumn(), all);
                place(dk, spec.kColumn(), all);
                place(dv, spec.vColumn(), all);
                packed = new double[][] {all, all, all};
            } else {
                packed = new double[][] {packedOf(dq, spec.qColumn()), packedOf(dk, spec.kColumn()), packedOf(dv, spec.vColumn())};
            }
            return new Backward(dS, packed);
        }

        private double[] kept(int h) {
            int n = c.seq() * c.seq();
            double[] p = new double[n];
            for (int i = 0; i < n; i++) p[i] = probs[h * n + i] * keep[h * n + i];
            return p;
        }

        private double[][] heads(Tensor packed, int column) {
            return headsOf(toDouble(packed), c.packedWidth(), column);
        }

        private double[][] headsOf(double[] packed, int width, int column) {
            int s = c.seq(), d = c.dim();
            double[][] h = new double[c.batch() * c.heads()][s * d];
            for (int b = 0; b < c.batch(); b++)
                for (int head = 0; head < c.heads(); head++)
                    for (int i = 0; i < s; i++)
                        for (int e = 0; e < d; e++) h[b * c.heads() + head][i * d + e] = packed[(b * s + i) * width + column + head * d + e];
            return h;
        }

        private double[] merged(double[] heads) {
            int s = c.seq(), d = c.dim();
            double[] m = new double[c.batch() * s * c.width()];
            for (int b = 0; b < c.batch(); b++)
                for (int head = 0; head < c.heads(); head++)
                    for (int i = 0; i < s; i++)
                        for (int e = 0; e < d; e++)
                            m[(b * s + i) * c.width() + head * d + e] = heads[((b * c.heads() + head) * s + i) * d + e];
            return m;
        }

        private double[] guards() {
            double[] g = new double[c.batch() * c.seq() * c.packedWidth()];
            java.util.Arrays.fill(g, GuardedViews.GUARD);
            return g;
        }

        private double[] packedOf(double[][] heads, int column) {
            double[] g = guards();
            place(heads, column, g);
            return g;
        }

        private void place(double[][] heads, int column, double[] packed) {
            int s = c.seq(), d = c.dim(), width = c.packedWidth();
            for (int b = 0; b < c.batch(); b++)
                for (int head = 0; head < c.heads(); head++)
                    for (int i = 0; i < s; i++)
                        for (int e = 0; e < d; e++) packed[(b * s + i) * width + column + head * d + e] = heads[b * c.heads() + head][i * d + e];
        }

        /** {@code C[co..] = op(A)·op(B)} for an m × n result over depth k, A and B dense row-major. */
        private static void product(double[] a, double[] b, int m, int n, int k, boolean ta, boolean tb, double[] out, int co) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    out[co + i * n + j] = sum;
                }
            }
        }
    }
}
