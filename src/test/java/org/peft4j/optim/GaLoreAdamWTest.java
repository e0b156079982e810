package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.Ops;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

class GaLoreAdamWTest {
    private static final JvmBackend OPS = new JvmBackend(1);
    private static final AdamWOptimizer.Settings ADAM = AdamWOptimizer.Settings.TORCH_DEFAULTS;
    private static final double DECAY = 0.1;

    @AfterAll
    static void close() { OPS.close(); }

    /**
     * Decay group: a.weight [7, 33] (left side), a frozen matrix, b.weight [65, 9] (right side);
     * no-decay group (lr × 0.5): a bias, emb.weight [6, 5] (2-D but not selected) and c.weight [5, 4].
     */
    private static List<ParameterGroup> groups(double decay) {
        return List.of(
                new ParameterGroup("decay", List.of(
                        RandomParameters.trainable("a.weight", 1, 7, 33),
                        RandomParameters.frozen("frozen.weight", 2, 3, 7),
                        RandomParameters.trainable("b.weight", 3, 65, 9)), 1, decay),
                new ParameterGroup("no_decay", List.of(
                        RandomParameters.trainable("a.bias", 4, 33),
                        RandomParameters.trainable("emb.weight", 5, 6, 5),
                        RandomParameters.trainable("c.weight", 6, 5, 4)), 0.5, 0));
    }

    private static final Predicate<Parameter> MATRICES = p -> p.value().rank() == 2 && !p.name().startsWith("emb");

    private static double lr(long completedSteps) { return 0.02 * (1 + 0.25 * completedSteps); }

    private static GaLoreAdamW galore(List<ParameterGroup> groups, GaLoreAdamW.Projection projection, GradientProjector.Factory projectors) {
        return new GaLoreAdamW(groups, MATRICES, projection, projectors, ADAM, AdamWKernel.TORCH_ORDER_ON_HOST);
    }

    /** P = identity: what the low-rank pipeline adds around the kernel must not change a single bit. */
    private record IdentityProjector(int rows, int cols) implements GradientProjector {
        @Override public int[] lowRankShape() { return new int[] {rows, cols}; }
        @Override public void fit(Ops ops, Tensor grad) {}
        @Override public void project(Ops ops, Tensor grad, Tensor lowRank) { ops.copy(grad, lowRank); }
        @Override public void projectBack(Ops ops, Tensor lowRank, Tensor full) { ops.copy(lowRank, full); }
        @Override public long stateBytes() { return 0; }
    }

    /**
     * With the full space as its subspace (P = I, α = 1, T = 1) GaLore is AdamW bit for bit. (A full-rank
     * SVD basis is not: Adam's elementwise m/√v does not commute with the rotation G ↦ G·V, so its
     * full-rank update differs from AdamW's; {@link #svdProjectionMatchesDoublePrecisionReference} checks it.)
     * Weight decay is 0 because GaLore decays after the update and AdamW before.
     */
    @Test
    void identityProjectionIsAdamWBitForBit() {
        List<ParameterGroup> reference = groups(0), projected = groups(0);
        var adamW = new AdamWOptimizer(reference, ADAM, AdamWKernel.TORCH_ORDER_ON_HOST);
        var gaLore = galore(projected, new GaLoreAdamW.Projection(1000, 1, 1.0), (name, rows, cols, rank, state) -> new IdentityProjector(rows, cols));
        for (int step = 0; step < 5; step++) {
            RandomParameters.fillGradients(RandomParameters.allOf(reference), step, step % 2 == 0 ? 1f : 1e-3f);
            RandomParameters.fillGradients(RandomParameters.allOf(projected), step, step % 2 == 0 ? 1f : 1e-3f);
            adamW.step(OPS, lr(adamW.steps()));
            gaLore.step(OPS, lr(gaLore.steps()));
        }
        List<Parameter> a = RandomParameters.allOf(reference), b = RandomParameters.allOf(projected);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(AdamWOptimizerTest.bits(a.get(i).value()), AdamWOptimizerTest.bits(b.get(i).value()), a.get(i).name());
        }
        adamW.state().forEach((k, t) -> assertArrayEquals(AdamWOptimizerTest.bits(t), AdamWOptimizerTest.bits(gaLore.state().get(k)), k));
    }

    /** The counterpart: a full-rank SVD basis with α = 1, T = 1 moves θ away from AdamW's step by a good part of lr. */
    @Test
    void fullRankSvdBasisIsNotAdamW() {
        List<ParameterGroup> reference = groups(0), projected = groups(0);
        var adamW = new AdamWOptimizer(reference, ADAM, AdamWKernel.TORCH_ORDER_ON_HOST);
        var gaLore = galore(projected, new GaLoreAdamW.Projection(1000, 1, 1.0), SvdProjector::new);
        RandomParameters.fillGradients(RandomParameters.allOf(reference), 0, 1f);
        RandomParameters.fillGradients(RandomParameters.allOf(projected), 0, 1f);
        adamW.step(OPS, 0.02);
        gaLore.step(OPS, 0.02);
        Tensor a = reference.getFirst().parameters().getFirst().value(), b = projected.getFirst().parameters().getFirst().value();
        double worst = 0;
        for (int i = 0; i < a.size(); i++) worst = Math.max(worst, Math.abs(a.at(i) - b.at(i)));
        assertTrue(worst > 0.01, "largest difference " + worst);
    }

    static Stream<Arguments> projections() {
        return Stream.of(Arguments.of("rank 3, T = 2", new GaLoreAdamW.Projection(3, 2, 0.25)),
                Arguments.of("full rank, T = 1", new GaLoreAdamW.Projection(1000, 1, 1.0)));
    }

    /**
     * Five steps against GaLore in double precision, given the Q the optimizer chose; Q itself is checked to be
     * orthonormal and to capture the top-r singular energy ‖P(G)‖² = σ₁² + … + σ_r² of G at each refresh, and
     * to stay unchanged between refreshes. θ agrees within 1e-5 (updates are O(lr·α) per step).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("projections")
    void svdProjectionMatchesDoublePrecisionReference(String label, GaLoreAdamW.Projection projection) {
        List<ParameterGroup> groups = groups(DECAY);
        List<Parameter> all = RandomParameters.allOf(groups);
        var optimizer = galore(groups, projection, SvdProjector::new);
        double[][] theta = RandomParameters.values(all);
        Map<String, double[]> m = new HashMap<>(), v = new HashMap<>();
        Map<String, float[]> previousQ = new HashMap<>();
        for (int step = 0; step < 5; step++) {
            RandomParameters.fillGradients(all, step, step % 2 == 0 ? 1f : 1e-3f);
            double baseLr = lr(optimizer.steps());
            long t = step + 1;
            optimizer.step(OPS, baseLr);
            Map<String, Tensor> state = optimizer.state();
            for (int i = 0; i < all.size(); i++) {
                Parameter p = all.get(i);
                if (!p.trainable()) continue;
                boolean decayGroup = groups.getFirst().parameters().contains(p);
                double lr = baseLr * (decayGroup ? 1 : 0.5), wd = decayGroup ? DECAY : 0;
                if (!MATRICES.test(p)) {
                    torchAdamW(theta[i], p.grad(), m.computeIfAbsent(p.name(), k -> new double[p.value().size()]),
                            v.computeIfAbsent(p.name(), k -> new double[p.value().size()]), lr, wd, t);
                    continue;
                }
                Tensor q = state.get(p.name() + ".ortho_matrix");
                boolean refresh = (t - 1) % projection.updateProjGap() == 0;
                if (refresh) checkTopSubspace(p.grad(), q, p.name());
                else assertArrayEquals(previousQ.get(p.name()), q.toArray(), p.name() + ": Q between refreshes");
                previousQ.put(p.name(), q.toArray());
                gaLore(theta[i], p.grad(), q, m, v, p.name(), projection.scale(), lr, wd, t);
            }
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < theta[i].length; j++) {
                assertEquals(theta[i][j], all.get(i).value().at(j), 1e-5, label + ": " + all.get(i).name() + "[" + j + "]");
            }
        }
    }

    /** torch.optim.AdamW in double. */
    private static void torchAdamW(double[] theta, Tensor grad, double[] m, double[] v, double lr, double wd, long t) {
        double bc1 = 1 - Math.pow(ADAM.beta1(), t), bc2 = 1 - Math.pow(ADAM.beta2(), t);
        for (int j = 0; j < theta.length; j++) {
            double g = grad.at(j);
            theta[j] *= 1 - lr * wd;
            m[j] = ADAM.beta1() * m[j] + (1 - ADAM.beta1()) * g;
            v[j] = ADAM.beta2() * v[j] + (1 - ADAM.beta2()) * g * g;
            theta[j] -= lr / bc1 * m[j] / (Math.sqrt(v[j]) / Math.sqrt(bc2) + ADAM.eps());
        }
    }

    /** GaLore in double: R = P(G); Adam on R; θ ← θ + α·P⁻(N); θ ← θ(1 − lr·λ). */
    private static void gaLore(double[] theta, Tensor grad, Tensor q, Map<String, double[]> ms, Map<String, double[]> vs,
                               String name, double scale, double lr, double wd, long t) {
        int rows = grad.rows(), cols = grad.cols();
        boolean right = rows >= cols;
        int rank = right ? q.rows() : q.cols();
        int lowRows = right ? rows : rank, lowCols = right ? rank : cols;
        double[] r = new double[lowRows * lowCols];
        for (int a = 0; a < lowRows; a++) {
            for (int b = 0; b < lowCols; b++) {
                double sum = 0;
                if (right) for (int k = 0; k < cols; k++) sum += (double) grad.at(a * cols + k) * q.at(b * cols + k);
                else for (int k = 0; k < rows; k++) sum += (double) q.at(k * rank + a) * grad.at(k * cols + b);
                r[a * lowCols + b] = sum;
            }
        }
        double[] m = ms.computeIfAbsent(name, k -> new double[r.length]), v = vs.computeIfAbsent(name, k -> new double[r.length]);
        double bc1 = 1 - Math.pow(ADAM.beta1(), t), bc2 = 1 - Math.pow(ADAM.beta2(), t);
        double[] n = new double[r.length];
        for (int j = 0; j < r.length; j++) {
            m[j] = ADAM.beta1() * m[j] + (1 - ADAM.beta1()) * r[j];
            v[j] = ADAM.beta2() * v[j] + (1 - ADAM.beta2()) * r[j] * r[j];
            n[j] = -lr / bc1 * m[j] / (Math.sqrt(v[j]) / Math.sqrt(bc2) + ADAM.eps());
        }
        for (int a = 0; a < rows; a++) {
            for (int b = 0; b < cols; b++) {
                double back = 0;
                if (right) for (int k = 0; k < rank; k++) back += n[a * rank + k] * q.at(k * cols + b);
                else for (int k = 0; k < rank; k++) back += q.at(a * rank + k) * n[k * cols + b];
                theta[a * cols + b] = (theta[a * cols + b] + scale * back) * (1 - lr * wd);
            }
        }
    }

    /** Q has orthonormal rows (right) or columns (left), and ‖P(G)‖_F² equals the top-r singular energy of G. */
    private static void checkTopSubspace(Tensor grad, Tensor q, String name) {
        int rows = grad.rows(), cols = grad.cols();
        boolean right = rows >= cols;
        int rank = right ? q.rows() : q.cols(), dim = right ? cols : rows;
        double energy = 0;
        for (int a = 0; a < rank; a++) {
            for (int b = 0; b < rank; b++) {
                double dot = 0;
                for (int k = 0; k < dim; k++) dot += right ? (double) q.at(a * dim + k) * q.at(b * dim + k) : (double) q.at(k * rank + a) * q.at(k * rank + b);
                assertEquals(a == b ? 1 : 0, dot, 1e-5, name + ": QQᵀ or QᵀQ at " + a + "," + b);
            }
            int other = right ? rows : cols;
            for (int i = 0; i < other; i++) {
                double x = 0;
                for (int k = 0; k < dim; k++) x += right ? (double) grad.at(i * cols + k) * q.at(a * dim + k) : (double) q.at(k * rank + a) * grad.at(k * cols + i);
                energy += x * x;
            }
        }
        DMatrixRMaj g = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < grad.size(); i++) g.data[i] = grad.at(i);
        double[] sigma = SingularOps_DDRM.singularValues(g);
        java.util.Arrays.sort(sigma);
        double top = 0;
        for (int k = 0; k < rank; k++) top += sigma[sigma.length - 1 - k] * sigma[sigma.length - 1 - k];
        assertEquals(top, energy, 1e-5 * top, name + ": ‖P(G)‖² against the top-" + rank + " singular energy");
    }

    static Stream<Arguments> projectors() {
        return Stream.of(Arguments.of("svd", (GradientProjector.Factory) SvdProjector::new),
                Arguments.of("dct", DctProjector.factory()));
    }

    /** A checkpoint taken between two refreshes (T = 3, saved after step 4) resumes bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("projectors")
    void resumingFromSavedStateIsBitIdentical(String label, GradientProjector.Factory projectors) {
        var projection = new GaLoreAdamW.Projection(3, 3, 0.25);
        List<ParameterGroup> straightGroups = groups(DECAY);
        List<Parameter> reference = RandomParameters.allOf(straightGroups);
        var straight = galore(straightGroups, projection, projectors);
        for (int step = 0; step < 8; step++) {
            RandomParameters.fillGradients(reference, step, 1f);
            straight.step(OPS, lr(straight.steps()));
        }

        List<ParameterGroup> first = groups(DECAY);
        var before = galore(first, projection, projectors);
        for (int step = 0; step < 4; step++) {
            RandomParameters.fillGradients(RandomParameters.allOf(first), step, 1f);
            before.step(OPS, lr(before.steps()));
        }
        Map<String, Tensor> checkpoint = new HashMap<>();
        before.state().forEach((k, t) -> checkpoint.put(k, t.copy()));
        List<Parameter> restored = RandomParameters.copies(RandomParameters.allOf(first));
        var resumed = galore(List.of(new ParameterGroup("decay", restored.subList(0, 3), 1, DECAY),
                new ParameterGroup("no_decay", restored.subList(3, 6), 0.5, 0)), projection, projectors);
        resumed.loadState(checkpoint);
        for (int step = 4; step < 8; step++) {
            RandomParameters.fillGradients(restored, step, 1f);
            resumed.step(OPS, lr(resumed.steps()));
        }
        for (int i = 0; i < reference.size(); i++) {
            assertArrayEquals(AdamWOptimizerTest.bits(reference.get(i).value()), AdamWOptimizerTest.bits(restored.get(i).value()),
                    label + ": " + reference.get(i).name());
        }
        assertTrue(checkpoint.containsKey(label.equals("svd") ? "b.weight.ortho_matrix" : "b.weight.dct_indices"), checkpoint.keySet().toString());
    }

    private static GradientProjector.Factory factory(String label) {
        return label.equals("svd") ? SvdProjector::new : DctProjector.factory();
    }

    /**
     * Projected [m, n] at rank r: moments 2·m·r (right) or 2·r·n (left) plus Q (r·n or m·r) for SVD, r indices for
     * DCT; for a 512×128 layer at r = 32 GaLore holds 0.28125 of AdamW's state (r/n + r/2m), DCT 0.25024 (≈ r/n).
     */
    @Test
    void stateBytesShrinkWithTheRankRatio() {
        var adamW = new AdamWOptimizer(List.of(group(512, 128)));
        var svd = galore(List.of(group(512, 128)), new GaLoreAdamW.Projection(32, 200, 0.25), SvdProjector::new);
        var dct = galore(List.of(group(512, 128)), new GaLoreAdamW.Projection(32, 200, 0.25), DctProjector.factory());
        assertEquals(4L * 2 * 512 * 128, adamW.stateBytes());
        assertEquals(4L * (2 * 512 * 32 + 32 * 128), svd.stateBytes());
        assertEquals(4L * (2 * 512 * 32 + 32), dct.stateBytes());
        assertEquals(0.28125, (double) svd.stateBytes() / adamW.stateBytes(), 1e-12);
        assertEquals(0.25 + 1.0 / 4096, (double) dct.stateBytes() / adamW.stateBytes(), 1e-12);

        var wide = galore(List.of(group(7, 33)), new GaLoreAdamW.Projection(3, 200, 0.25), SvdProjector::new);
        assertEquals(4L * (2 * 3 * 33 + 7 * 3), wide.stateBytes());
        var clamped = galore(List.of(group(7, 33)), new GaLoreAdamW.Projection(100, 200, 0.25), SvdProjector::new);
        assertEquals(4L * (2 * 7 * 33 + 7 * 7), clamped.stateBytes(), "rank is clamped to min(m, n)");
    }

    private static ParameterGroup group(int rows, int cols) {
        return new ParameterGroup("decay", List.of(RandomParameters.trainable("w.weight", 7, rows, cols)), 1, 0);
    }

    @Test
    void rejectsBadSettingsAndNonMatrices() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GaLoreAdamW.Projection(0, 200, 0.25)).getMessage().contains("rank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GaLoreAdamW.Projection(4, 0, 0.25)).getMessage().contains("update_proj_gap"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GaLoreAdamW.Projection(4, 200, Double.NaN)).getMessage().contains("scale"));
        var bias = new ParameterGroup("g", List.of(RandomParameters.trainable("x.bias", 1, 5)), 1, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new GaLoreAdamW(List.of(bias), p -> true,
                GaLoreAdamW.Projection.ofRank(2), SvdProjector::new, ADAM, AdamWKernel.TORCH_ORDER_ON_HOST));
        assertTrue(e.getMessage().contains("x.bias"), e.getMessage());
        var optimizer = galore(groups(DECAY), GaLoreAdamW.Projection.ofRank(2), SvdProjector::new);
        assertThrows(IllegalArgumentException.class, () -> optimizer.step(OPS, Double.NaN));
        assertEquals(0, optimizer.steps());
        assertNotEquals(0, optimizer.stateBytes());
    }
}
