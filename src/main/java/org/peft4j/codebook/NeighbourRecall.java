package org.peft4j.codebook;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * Retrieval retention: recall@k of inner-product nearest-neighbour search over a compressed bank,
 * against the same search over the original bank:
 * <pre>
 *   recall@k = (1/Q) Σ_q |top_k(q·Xᵀ) ∩ top_k(q·X̂ᵀ)| / k
 * </pre>
 * Ties in the scores (rows sharing codes) go to the lower row index.
 */
public final class NeighbourRecall {
    private NeighbourRecall() {}

    public static double recallAtK(Ops ops, Tensor queries, Tensor original, Tensor reconstructed, int k) {
        if (original.rows() != reconstructed.rows() || original.cols() != reconstructed.cols()) {
            throw new IllegalArgumentException("original " + java.util.Arrays.toString(original.shape()) + " and reconstructed "
                    + java.util.Arrays.toString(reconstructed.shape()) + " banks differ in shape");
        }
        if (k < 1 || k > original.rows()) throw new IllegalArgumentException("k must lie in [1, " + original.rows() + "], got " + k);
        int[][] truth = topK(ops, queries, original, k), found = topK(ops, queries, reconstructed, k);
        double sum = 0;
        for (int q = 0; q < truth.length; q++) {
            Set<Integer> t = new HashSet<>();
            for (int i : truth[q]) t.add(i);
            int hit = 0;
            for (int i : found[q]) if (t.contains(i)) hit++;
            sum += (double) hit / k;
        }
        return sum / truth.length;
    }

    /** The indices of the {@code k} highest scores {@code q·bankᵀ} per query, best first. */
    static int[][] topK(Ops ops, Tensor queries, Tensor bank, int k) {
        int nq = queries.rows(), n = bank.rows();
        Tensor scores = Tensor.zeros(nq, n);
        ops.gemm(Transpose.N, Transpose.T, 1f, queries.asMatrix(), bank.asMatrix(), 0f, scores);
        int[][] out = new int[nq][];
        for (int q = 0; q < nq; q++) {
            int row = q * n;
            out[q] = IntStream.range(0, n).boxed()
                    .sorted((a, b) -> {
                        int c = Float.compare(scores.at(row + b), scores.at(row + a));
                        return c != 0 ? c : Integer.compare(a, b);
                    })
                    .limit(k).mapToInt(Integer::intValue).toArray();
        }
        return out;
    }
}
