package org.peft4j.nn.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck;
import org.peft4j.testing.GradientCheck.Probe;
import org.peft4j.testing.Matrices;

/**
 * SLTrain's sparse-plus-low-rank layer against the dense computation it stands for, in double:
 * {@code W = s·B·A + S} with S built entry by entry from the stored values and indices, then
 * {@code y = x·Wᵀ}, {@code dx = dy·W}, {@code dW = dyᵀ·x}, {@code dB = s·dW·Aᵀ}, {@code dA = s·Bᵀ·dW},
 * {@code dv = dW[idx]}; and the shared scratch against per-layer scratch.
 */
class SparsePlusLowRankWeightTest {
    private static final JvmBackend ops = new JvmBackend(2);

    @AfterAll
    static void close() { ops.close(); }

    /** SLTrain initialises B = 0; give it values so that every term of the check is live. */
    static SparsePlusLowRankWeight sltrain(String name, int in, int out, int rank, double density, long seed, WeightScratch scratch) {
        SparsePlusLowRankWeight w = SlTrain.create(name, in, out, rank, 16, density, seed, scratch);
        Tensor b = w.parameters().getFirst().value();
        b.copyFrom(Tensor.uniform(seed + 100, 0.5f, b.shape()));
        return w;
    }

    @Test
    void sltrainSupportIsAFixedRandomSubsetOfTheRequestedDensity() {
        SparsePlusLowRankWeight w = SlTrain.create("fc", 65, 33, 4, 16, 0.03, 7, new WeightScratch());
        int[] idx = w.indices().data();
        assertEquals((int) (0.03 * 65 * 33), idx.length);
        for (int k = 1; k < idx.length; k++) assertTrue(idx[k - 1] < idx[k], "sorted and distinct at " + k);
        assertTrue(idx[0] >= 0 && idx[idx.length - 1] < 65 * 33);
        long stored = w.parameters().stream().mapToLong(p -> p.value().size()).sum();
        assertEquals(4L * (65 + 33) + idx.length, stored, "factors and values only: no dense S");
        assertArrayEquals(idx, SlTrain.create("fc", 65, 33, 4, 16, 0.03, 7, new WeightScratch()).indices().data(), "same seed, same support");
        assertTrue(!java.util.Arrays.equals(idx, SlTrain.create("fc2", 65, 33, 4, 16, 0.03, 7, new WeightScratch()).indices().data()),
                "each layer draws its own support");
    }

    @Test
    void sltrainStartsFromItsSparsePartAndTheLowRankBaselineFromTwoRandomFactors() {
        SparsePlusLowRankWeight sl = SlTrain.create("fc", 65, 33, 4, 8, 0.03, 7, new WeightScratch());
        assertTrue(Arrays.stream(toDouble(sl.parameters().get(0).value())).allMatch(v -> v == 0), "SLTrain: B = 0");
        assertWithin(sl.parameters().get(1).value(), 1 / Math.sqrt(65), "SLTrain A");
        assertWithin(sl.values().value(), 1 / Math.sqrt(65), "SLTrain S values");
        LowRankWeight lr = LowRankWeight.create("fc", 65, 33, 4, 8, 7);
        assertWithin(lr.parameters().get(0).value(), 1 / Math.sqrt(4), "low-rank B");
        assertWithin(lr.parameters().get(1).value(), 1 / Math.sqrt(65), "low-rank A");

        Linear layer = Linear.create("fc", 65, 33, true, 7);
        var zeroLowRank = new WeightSpec("lowrank", 4, 0, 8, 0, "zero").parameterize(layer, 7, new WeightScratch());
        assertTrue(Arrays.stream(toDouble(zeroLowRank.parameters().get(0).value())).allMatch(v -> v == 0), "lowrank, b_init zero");
        var randomSl = new WeightSpec("sltrain", 4, 0.03, 8, 0, "random").parameterize(layer, 7, new WeightScratch());
        assertWithin(randomSl.parameters().get(0).value(), 1 / Math.sqrt(4), "sltrain, b_init random: B");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WeightSpec("lowrank", 4, 0, 8, 0, "ones"));
        assertEquals("weight.b_init must be one of [auto, random, zero], got 'ones'", e.getMessage());
    }

    /** Every value within ±bound and the values spread over it (a uniform draw, not zeros). */
    private static void assertWithin(Tensor t, double bound, String what) {
        double[] v = toDouble(t);
        assertTrue(Arrays.stream(v).allMatch(x -> Math.abs(x) <= bound), what + " exceeds ±" + bound);
        assertTrue(Arrays.stream(v).map(Math::abs).max().orElseThrow() > 0.8 * bound, what + " does not fill ±" + bound);
    }

    private static double[] toDouble(Tensor t) {
        return org.peft4j.testing.ReferenceOps.toDouble(t);
    }

    @Test
    void sltrainForwardAndBackwardEqualTheDenseComputation() {
        int in = 33, out = 7, rows = 5, rank = 3;
        SparsePlusLowRankWeight w = sltrain("fc", in, out, rank, 0.2, 3, new WeightScratch());
        Tensor bT = w.parameters().get(0).value(), aT = w.parameters().get(1).value(), v = w.values().value();
        float s = 16f / rank;
        DMatrixRMaj dense = Matrices.times(Matrices.of(bT), Matrices.of(aT));
        for (int i = 0; i < dense.data.length; i++) dense.data[i] *= s;
        for (int k = 0; k < v.size(); k++) dense.data[w.indices().data()[k]] += v.at(k);

        Tensor x = Tensor.uniform(11, 1f, rows, in), dy = Tensor.uniform(12, 1f, rows, out);
        Tensor y = Tensor.zeros(rows, out), dx = Tensor.uniform(13, 1f, rows, in), dx0 = dx.copy();
        w.forward(ops, x, y);
        assertAllClose(Matrices.timesTransposed(Matrices.of(x), dense).data, y, 1e-5, 1e-5, "y = x·Wᵀ");
        assertAllClose(dense.data, w.dense(), 1e-6, 1e-6, "dense()");

        w.parameters().forEach(Parameter::zeroGrad);
        w.backward(ops, x, dy, dx, true);
        DMatrixRMaj dyx = Matrices.times(Matrices.of(dy), dense);
        for (int i = 0; i < dyx.data.length; i++) dyx.data[i] += dx0.at(i);
        assertAllClose(dyx.data, dx, 1e-5, 1e-5, "dx += dy·W");

        DMatrixRMaj dW = Matrices.transposedTimes(Matrices.of(dy), Matrices.of(x));
        DMatrixRMaj dB = Matrices.timesTransposed(dW, Matrices.of(aT)), dA = Matrices.transposedTimes(Matrices.of(bT), dW);
        for (int i = 0; i < dB.data.length; i++) dB.data[i] *= s;
        for (int i = 0; i < dA.data.length; i++) dA.data[i] *= s;
        double[] dv = new double[v.size()];
        for (int k = 0; k < dv.length; k++) dv[k] = dW.data[w.indices().data()[k]];
        assertAllClose(dB.data, w.parameters().get(0).grad(), 1e-5, 1e-5, "dB");
        assertAllClose(dA.data, w.parameters().get(1).grad(), 1e-5, 1e-5, "dA");
        assertAllClose(dv, w.values().grad(), 1e-5, 1e-5, "dv = dW[idx]");
    }

    @Test
    void layersSharingOneScratchMatchLayersWithTheirOwn() {
        WeightScratch shared = new WeightScratch();
        List<WeightParameterization> together = List.of(sltrain("l1", 17, 9, 2, 0.1, 1, shared), sltrain("l2", 17, 9, 2, 0.1, 2, shared));
        List<WeightParameterization> apart = List.of(sltrain("l1", 17, 9, 2, 0.1, 1, new WeightScratch()),
                sltrain("l2", 17, 9, 2, 0.1, 2, new WeightScratch()));
        List<float[]> first = run(together), second = run(apart);
        for (int i = 0; i < first.size(); i++) assertArrayEquals(second.get(i), first.get(i), 0f, "output " + i);
    }

    /** Forward l1, forward l2, backward l2, backward l1 (as a network runs them); outputs, dx and gradients. */
    private static List<float[]> run(List<WeightParameterization> layers) {
        Tensor x = Tensor.uniform(31, 1f, 3, 17);
        List<Tensor> ys = new ArrayList<>();
        for (WeightParameterization l : layers) {
            Tensor y = Tensor.zeros(3, 9);
            l.forward(ops, x, y);
            ys.add(y);
        }
        List<float[]> results = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Tensor dx = Tensor.zeros(3, 17);
            layers.get(i).parameters().forEach(Parameter::zeroGrad);
            layers.get(i).backward(ops, x, Tensor.uniform(40 + i, 1f, 3, 9), dx, false);
            results.add(dx.toArray());
            layers.get(i).parameters().forEach(p -> results.add(p.grad().toArray()));
        }
        ys.forEach(y -> results.add(y.toArray()));
        return results;
    }

    @Test
    void gradientsOfEveryParameterizationAgreeWithFiniteDifferences() {
        Tensor w0 = Tensor.normal(5, 0.5f, 9, 13);
        for (WeightParameterization p : List.of(
                LowRankWeight.create("fc", 13, 9, 3, 6, 1),
                sltrain("fc", 13, 9, 3, 0.15, 2, new WeightScratch()),
                Lost.create("fc", w0, 3, 0.25, 0.4, new WeightScratch()))) {
            Linear layer = new Linear("fc", p, Parameter.trainable("fc.bias", Tensor.uniform(3, 0.3f, 9)));
            long seed = 900;
            for (Parameter q : layer.parameters()) {   // B = 0 at init would hide a wrong dA
                Tensor noise = Tensor.uniform(seed++, 0.3f, q.value().shape());
                for (int i = 0; i < noise.size(); i++) q.value().put(i, q.value().at(i) + noise.at(i));
            }
            Tensor x = Tensor.uniform(6, 1f, 4, 13), dx = Tensor.zeros(4, 13).named("x.grad"), w = Tensor.uniform(7, 1f, 4, 9);
            List<Probe> probes = new ArrayList<>(layer.parameters().stream().map(Probe::of).toList());
            probes.add(new Probe("x", x, dx));
            GradientCheck.check(() -> GradientCheck.weightedSum(layer.forward(ops, x), w), () -> {
                layer.parameters().forEach(Parameter::zeroGrad);
                layer.forward(ops, x);
                layer.backward(ops, w, dx, false);
            }, probes, GradientCheck.Settings.defaults());
        }
    }

    @Test
    void sparseSupportMustMatchItsValuesAndFitTheWeight() {
        LowRankFactors f = LowRankFactors.zeroB("fc", 4, 3, 2, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparsePlusLowRankWeight("fc", f,
                Parameter.trainable("fc.sparse_values", Tensor.zeros(2)), new IntTensor(new int[] {0, 12}, new int[] {2}), 1f, new WeightScratch()));
        assertEquals("fc: sparse index 12 at position 1 is outside the 3×4 weight", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SlTrain.create("fc", 4, 3, 2, 2, 0.01, 1, new WeightScratch()));
        assertEquals("fc: density 0.01 leaves no sparse entry in a 3×4 weight", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LowRankWeight.create("fc", 4, 3, 4, 2, 1));
        assertEquals("fc: rank 4 outside [1, 3] for a 3×4 weight", e.getMessage());
    }
}
