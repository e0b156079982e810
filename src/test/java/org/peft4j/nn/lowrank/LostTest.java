package org.peft4j.nn.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.MatrixReference;

/**
 * LOST's SVD initialisation: with every channel kept it reconstructs W to float32 rounding; with
 * fewer, the low-rank part is the best rank-r approximation and the sparse columns are the
 * strongest columns of the residual spectrum.
 */
class LostTest {

    @Test
    void keepingEveryChannelReconstructsTheWeightToFloatRounding() {
        for (int[] shape : new int[][] {{33, 65}, {65, 33}, {7, 7}}) {
            Tensor w = Tensor.normal(shape[0] + shape[1], 0.02f, shape[0], shape[1]);
            for (double gamma : new double[] {0.5, 0.9}) {
                Tensor rebuilt = Lost.create("fc", w, 3, 1.0, gamma, new WeightScratch()).dense();
                double maxAbs = 0, maxErr = 0;
                for (int i = 0; i < w.size(); i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(w.at(i)));
                    maxErr = Math.max(maxErr, Math.abs(rebuilt.at(i) - w.at(i)));
                }
                // a few float32 roundings of entries of size |W|: the parts are stored in float32
                assertTrue(maxErr <= 8 * Math.ulp((float) maxAbs), Arrays.toString(shape) + " γ=" + gamma + ": error " + maxErr
                        + " vs max |W| " + maxAbs);
            }
        }
    }

    @Test
    void lowRankPartIsTheTruncatedSvdAndSparseColumnsAreTheStrongestResidualChannels() {
        int out = 17, in = 40, rank = 4;
        Tensor w = Tensor.uniform(3, 1f, out, in);
        double gamma = 0.5, density = 0.1;
        SparsePlusLowRankWeight lost = Lost.create("fc", w, rank, density, gamma, new WeightScratch());
        double[] lowRank = new LowRankFactors(lost.parameters().get(0), lost.parameters().get(1), (float) gamma).product();
        double[] truncated = MatrixReference.values(MatrixReference.truncated(w, rank));
        for (int i = 0; i < truncated.length; i++) assertEquals(truncated[i], lowRank[i], 1e-5, "γ·B·A = U_r Σ_r V_rᵀ at " + i);

        int channels = (int) Math.ceil(density * in);
        assertEquals(out * channels, lost.values().value().size(), "⌈δ·in⌉ whole columns");
        int[] chosen = Arrays.stream(lost.indices().data()).map(i -> i % in).distinct().sorted().toArray();
        assertEquals(channels, chosen.length);
        double[] norms = new double[in];
        for (int i = 0; i < out; i++) for (int j = 0; j < in; j++) norms[j] += Math.pow(w.at(i * in + j) - truncated[i * in + j], 2);
        double weakestChosen = Arrays.stream(chosen).mapToDouble(j -> norms[j]).min().orElseThrow();
        for (int j = 0; j < in; j++) {
            if (Arrays.binarySearch(chosen, j) < 0) assertTrue(norms[j] <= weakestChosen, "column " + j + " is stronger than a chosen one");
        }
        Tensor dense = lost.dense();
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double expected = Arrays.binarySearch(chosen, j) >= 0 ? w.at(i * in + j) : truncated[i * in + j];
                assertEquals(expected, dense.at(i * in + j), 1e-5, "W_eff[" + i + ", " + j + "]");
            }
        }
    }

    @Test
    void gammaAndDensityOutsideTheirRangesAreRejected() {
        Tensor w = Tensor.uniform(1, 1f, 5, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lost.create("fc", w, 2, 0.5, 1.0, new WeightScratch()));
        assertEquals("fc: LOST γ must lie in (0, 1), got 1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lost.create("fc", w, 2, 0, 0.5, new WeightScratch()));
        assertEquals("fc: LOST channel density must lie in (0, 1], got 0.0", e.getMessage());
    }
}
