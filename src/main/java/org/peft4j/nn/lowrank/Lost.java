package org.peft4j.nn.lowrank;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.peft4j.linalg.Svd;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * LOST (Li et al. 2025): low-rank plus channel-wise sparse weights initialised from the SVD of
 * the dense initial weight {@code W = UΣVᵀ}:
 * <pre>
 *   L      = U_r Σ_r V_rᵀ                       the top-r singular triplets
 *   W_comp = W − L = Σ_{i&gt;r} u_i σ_i v_iᵀ        the remaining spectrum
 *   I      = the ⌈δ·in⌉ input channels (columns) of W_comp with the largest ℓ2 norms
 *   W_eff  = γ·B·A + (1 − γ)·S,   S = W_s on the columns I, 0 elsewhere
 * </pre>
 * with {@code B = U_r√(Σ_r/γ)}, {@code A = √(Σ_r/γ)V_rᵀ} and {@code W_s = W_comp[:, I]/(1 − γ)}, so
 * that the initial W_eff equals L + W_comp[:, I] (all of W when δ = 1). γ fixes how the two parts
 * share each update; all of B, A and W_s are trained. The column support is stored like any
 * other sparse support (flat indices), so the layer runs as a {@link SparsePlusLowRankWeight}.
 */
public final class Lost {
    private Lost() {}

    public static SparsePlusLowRankWeight create(String layer, Tensor weight, int rank, double density, double gamma,
                                                 WeightScratch scratch) {
        int out = weight.rows(), in = weight.cols();
        LowRankFactors.requireRank(layer, rank, in, out);
        if (!(density > 0 && density <= 1)) throw new IllegalArgumentException(layer + ": LOST channel density must lie in (0, 1], got " + density);
        if (!(gamma > 0 && gamma < 1)) throw new IllegalArgumentException(layer + ": LOST γ must lie in (0, 1), got " + gamma);

        Svd svd = Svd.top(weight, rank);
        Tensor b = Tensor.zeros(out, rank), a = Tensor.zeros(rank, in);
        for (int k = 0; k < rank; k++) {
            double root = Math.sqrt(svd.s().at(k) / gamma);
            for (int i = 0; i < out; i++) b.put(i * rank + k, (float) (svd.u().at(i * rank + k) * root));
            for (int j = 0; j < in; j++) a.put(k * in + j, (float) (root * svd.vt().at(k * in + j)));
        }
        LowRankFactors factors = new LowRankFactors(Parameter.trainable(layer + ".low_rank_B", b),
                Parameter.trainable(layer + ".low_rank_A", a), (float) gamma);

        double[] residual = factors.product();
        for (int i = 0; i < residual.length; i++) residual[i] = weight.at(i) - residual[i];
        int[] channels = strongestColumns(residual, out, in, (int) Math.ceil(density * in - 1e-9));
        int width = channels.length;
        Tensor values = Tensor.zeros(out * width);
        int[] indices = new int[out * width];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < width; j++) {
                indices[o * width + j] = o * in + channels[j];
                values.put(o * width + j, (float) (residual[o * in + channels[j]] / (1 - gamma)));
            }
        }
        return new SparsePlusLowRankWeight(layer, factors, Parameter.trainable(layer + ".sparse_values", values),
                new IntTensor(indices, new int[] {indices.length}), (float) (1 - gamma), scratch);
    }

    /** The {@code count} columns of the row-major [rows, cols] matrix with the largest ℓ2 norms, ascending. */
    static int[] strongestColumns(double[] m, int rows, int cols, int count) {
        double[] norms = new double[cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) norms[j] += m[i * cols + j] * m[i * cols + j];
        int[] chosen = IntStream.range(0, cols).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -norms[j]).thenComparingInt(j -> j))
                .limit(Math.max(1, count)).mapToInt(Integer::intValue).toArray();
        Arrays.sort(chosen);
        return chosen;
    }
}
