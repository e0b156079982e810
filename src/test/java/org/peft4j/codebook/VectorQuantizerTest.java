package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.FiniteDifferences;

/**
 * The quantiser's loss value, its codebook and straight-through gradients against central
 * differences (double, h = 1e-3; codes held at their assignment, which is locally constant), and
 * the dead-code reset reviving a collapsed codebook.
 */
class VectorQuantizerTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    @Test
    void lossAndQuantizedRowsMatchTheFormula() {
        int n = 33, k = 7, d = 5;
        Tensor x = Tensor.normal(1, 1f, n, d);
        VectorQuantizer vq = new VectorQuantizer(VectorQuantizer.Settings.defaults(k), Tensor.normal(2, 1f, k, d));
        VectorQuantizer.Pass p = vq.pass(n);
        Tensor z = vq.forward(OPS, x, p);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int best = nearest(x, vq.codebook(), i);
            assertEquals(best, p.codes().data()[i], "code of row " + i);
            for (int t = 0; t < d; t++) {
                assertEquals(vq.codebook().at(best * d + t), z.at(i * d + t), 0f);
                double diff = x.at(i * d + t) - vq.codebook().at(best * d + t);
                sum += diff * diff;
            }
        }
        assertEquals(1.25 * sum / n, p.loss().at(0), 1e-5 * sum);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        int n = 7, k = 3, d = 4;
        float beta = 0.25f;
        Tensor x = Tensor.normal(3, 1f, n, d);
        Tensor e = Tensor.normal(4, 1f, k, d);
        VectorQuantizer vq = new VectorQuantizer(VectorQuantizer.Settings.defaults(k), e);
        VectorQuantizer.Pass p = vq.pass(n);
        vq.forward(OPS, x, p);
        int[] codes = p.codes().data().clone();
        Tensor upstream = Tensor.normal(5, 1f, n, d);
        Tensor dx = Tensor.uniform(6, 1f, n, d); // overwritten
        vq.codebookGrad().fill(0f);
        vq.backward(OPS, upstream, p, dx);

        double[] x0 = toDouble(x), e0 = toDouble(vq.codebook());
        // codebook term (1/N) Σ ‖sg[x_i] − e_{c_i}‖²: only e moves
        double[] de = FiniteDifferences.gradient(ev -> squaredError(x0, ev, codes, d) / n, e0, 1e-3);
        // straight-through: z = x + sg[e − x], so ⟨w, z⟩ has gradient w; commitment β(1/N)Σ‖x_i − sg[e_{c_i}]‖²: only x moves
        double[] w = toDouble(upstream);
        double[] dxExpected = FiniteDifferences.gradient(xv -> {
            double dot = 0;
            for (int i = 0; i < xv.length; i++) dot += w[i] * xv[i];
            return dot + beta * squaredError(xv, e0, codes, d) / n;
        }, x0, 1e-3);
        for (int i = 0; i < de.length; i++) assertEquals(de[i], vq.codebookGrad().at(i), 1e-4, "dE[" + i + "]");
        for (int i = 0; i < dxExpected.length; i++) assertEquals(dxExpected[i], dx.at(i), 1e-4, "dx[" + i + "]");
        // gradients accumulate into dE
        vq.backward(OPS, upstream, p, dx);
        for (int i = 0; i < de.length; i++) assertEquals(2 * de[i], vq.codebookGrad().at(i), 2e-4, "accumulated dE[" + i + "]");
    }

    /**
     * A constructed collapse: 8 tight blobs, one code at their mean and 7 codes far away. Online
     * SGD alone leaves the far codes unused forever; with the reset they are re-seeded from the
     * data and every blob gets a code of its own.
     */
    @Test
    void deadCodeResetRevivesACollapsedCodebook() {
        int k = 8, d = 3;
        Tensor data = KMeansTest.blobs(k, 16, d, 7);
        Tensor start = Tensor.normal(9, 1f, k, d);
        for (int i = d; i < k * d; i++) start.put(i, start.at(i) + 500f);
        for (int t = 0; t < d; t++) {
            double mean = 0;
            for (int i = 0; i < data.rows(); i++) mean += data.at(i * d + t);
            start.put(t, (float) (mean / data.rows()));
        }
        VectorQuantizer.Settings settings = VectorQuantizer.Settings.defaults(k);
        VectorQuantizer collapsed = train(new VectorQuantizer(settings.withReset(false), start), data);
        VectorQuantizer revived = train(new VectorQuantizer(settings.withReset(true), start), data);
        assertEquals(1, codesInUse(collapsed, data), "without reset only the code at the mean wins");
        assertEquals(0, collapsed.resets());
        assertTrue(Arrays.stream(toDouble(Tensor.of(collapsed.usage(), k))).skip(1).allMatch(u -> u < 1e-3));
        assertTrue(revived.resets() > 0);
        assertEquals(k, codesInUse(revived, data), "with reset every blob gets a code");
    }

    private static VectorQuantizer train(VectorQuantizer vq, Tensor data) {
        int batch = 16;
        VectorQuantizer.Pass p = vq.pass(batch);
        Tensor dx = Tensor.zeros(batch, data.cols());
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        Tensor x = Tensor.zeros(batch, data.cols());
        for (int step = 0; step < 400; step++) {
            for (int r = 0; r < batch; r++) {
                int i = rng.nextInt(data.rows());
                x.rows(r, r + 1).copyFrom(data.rows(i, i + 1));
            }
            vq.trainStep(OPS, x, p, dx);
        }
        return vq;
    }

    private static long codesInUse(VectorQuantizer vq, Tensor data) {
        IntTensor codes = IntTensor.zeros(data.rows());
        OPS.nearestCode(data, vq.codebook(), Tensor.zeros(data.rows(), vq.codebook().rows()), codes);
        return Arrays.stream(codes.data()).distinct().count();
    }

    private static double squaredError(double[] x, double[] e, int[] codes, int d) {
        double sum = 0;
        for (int i = 0; i < codes.length; i++) {
            for (int t = 0; t < d; t++) {
                double diff = x[i * d + t] - e[codes[i] * d + t];
                sum += diff * diff;
            }
        }
        return sum;
    }

    private static int nearest(Tensor x, Tensor c, int i) {
        int d = x.cols(), best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int j = 0; j < c.rows(); j++) {
            double sum = 0;
            for (int t = 0; t < d; t++) {
                double diff = (double) x.at(i * d + t) - c.at(j * d + t);
                sum += diff * diff;
            }
            if (sum < bestDistance) {
                bestDistance = sum;
                best = j;
            }
        }
        return best;
    }

    private static double[] toDouble(Tensor t) {
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = t.at(i);
        return out;
    }
}
