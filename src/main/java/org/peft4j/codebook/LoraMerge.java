package org.peft4j.codebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * Merging n LoRAs of the same modules into one, the result at scaling 1 (any source scaling s_i
 * and weight w_i folded into the factors as {@code √(w_i·s_i)}), so that a source's rank-wise unit
 * j, {@code u = (a_j, b_j)} = (row j of A, column j of B), adds {@code b_j·a_jᵀ} to ΔW:
 * <pre>
 *   linear  A = Σ_i √(w_i s_i)·A_i,  B = Σ_i √(w_i s_i)·B_i          (PEFT's "linear"; equal ranks)
 *   cat     A = [√(w_i s_i)·A_i]_i stacked, B likewise side by side    ΔW = Σ_i w_i·s_i·B_i·A_i
 *   lego    LoRA-LEGO (Zhao et al., 2024): the Σ r_i units of all sources, as vectors (a; b), are
 *           clustered by k-means into k units; the centroids (ā; b̄) form a rank-k LoRA.
 *           Parameter reweighting (norm decay of averaging): ā ← ā·mean‖a‖/‖ā‖, b̄ ← b̄·mean‖b‖/‖b̄‖
 *           over the cluster's members. Output reweighting (variance expansion of a sum of k units
 *           where each source summed r̄ = mean r_i): the merged output is scaled by √(r̄/k),
 *           folded into A and B as (r̄/k)^¼ each.
 * </pre>
 * With k = Σ r_i and no reweighting every unit is its own cluster, so LEGO is concatenation up to
 * the order of the ranks.
 */
public final class LoraMerge {
    private LoraMerge() {}

    public enum Method { LINEAR, CAT, LEGO }

    /** LoRA-LEGO's knobs: merged rank k, the two reweightings, k-means iterations and seed. */
    public record Lego(int k, boolean parameterReweighting, boolean outputReweighting, int iterations, long seed) {}

    /** Merges {@code sources} (each module → factors) with weights {@code w}; every source must hold the same modules. */
    public static Map<String, LoraFile.Factors> merge(Ops ops, List<Map<String, LoraFile.Factors>> sources, List<Double> weights,
                                                      Method method, Lego lego) {
        if (sources.size() < 2) throw new IllegalArgumentException("merging needs ≥ 2 adapters, got " + sources.size());
        if (weights.size() != sources.size()) throw new IllegalArgumentException(weights.size() + " weights for " + sources.size() + " adapters");
        for (int i = 1; i < sources.size(); i++) {
            if (!sources.get(i).keySet().equals(sources.getFirst().keySet())) {
                throw new IllegalArgumentException("adapter " + (i + 1) + " targets " + sources.get(i).keySet() + ", adapter 1 "
                        + sources.getFirst().keySet());
            }
        }
        Map<String, LoraFile.Factors> out = new LinkedHashMap<>();
        for (String module : sources.getFirst().keySet()) {
            List<LoraFile.Factors> parts = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                LoraFile.Factors f = sources.get(i).get(module);
                if (f == null) throw new IllegalArgumentException("adapter " + (i + 1) + " has no LoRA on " + module);
                if (!parts.isEmpty() && (f.a().cols() != parts.getFirst().a().cols() || f.b().rows() != parts.getFirst().b().rows())) {
                    throw new IllegalArgumentException(module + ": adapter " + (i + 1) + " has another layer shape");
                }
                parts.add(folded(f, weights.get(i)));
            }
            out.put(module, switch (method) {
                case LINEAR -> linear(module, parts);
                case CAT -> concatenate(parts);
                case LEGO -> lego(ops, parts, lego);
            });
        }
        return out;
    }

    /** The factors times {@code √(w·s)}, at scaling 1. */
    static LoraFile.Factors folded(LoraFile.Factors f, double weight) {
        if (!(weight >= 0)) throw new IllegalArgumentException("merge weights must be ≥ 0, got " + weight);
        float root = (float) Math.sqrt(weight * f.scaling());
        Tensor a = f.a().copy(), b = f.b().copy();
        for (int i = 0; i < a.size(); i++) a.put(i, a.at(i) * root);
        for (int i = 0; i < b.size(); i++) b.put(i, b.at(i) * root);
        return new LoraFile.Factors(a, b, 1f);
    }

    private static LoraFile.Factors linear(String module, List<LoraFile.Factors> parts) {
        LoraFile.Factors first = parts.getFirst();
        Tensor a = Tensor.zeros(first.a().shape()), b = Tensor.zeros(first.b().shape());
        for (LoraFile.Factors f : parts) {
            if (f.rank() != first.rank()) {
                throw new IllegalArgumentException(module + ": linear merging needs equal ranks, got " + first.rank() + " and " + f.rank()
                        + "; use cat or lego");
            }
            for (int i = 0; i < a.size(); i++) a.put(i, a.at(i) + f.a().at(i));
            for (int i = 0; i < b.size(); i++) b.put(i, b.at(i) + f.b().at(i));
        }
        return new LoraFile.Factors(a, b, 1f);
    }

    private static LoraFile.Factors concatenate(List<LoraFile.Factors> parts) {
        Tensor units = units(parts);
        return fromUnits(units, parts.getFirst().a().cols());
    }

    /** Every rank-wise unit as a row {@code (a_j; b_j)} of {@code [Σ r_i, in + out]}. */
    static Tensor units(List<LoraFile.Factors> parts) {
        int in = parts.getFirst().a().cols(), outDim = parts.getFirst().b().rows();
        int total = parts.stream().mapToInt(LoraFile.Factors::rank).sum();
        Tensor u = Tensor.zeros(total, in + outDim);
        int row = 0;
        for (LoraFile.Factors f : parts) {
            int r = f.rank();
            for (int j = 0; j < r; j++, row++) {
                for (int c = 0; c < in; c++) u.put(row * (in + outDim) + c, f.a().at(j * in + c));
                for (int o = 0; o < outDim; o++) u.put(row * (in + outDim) + in + o, f.b().at(o * r + j));
            }
        }
        return u;
    }

    /** A [k, in] and B [out, k] from unit rows {@code (a; b)}. */
    static LoraFile.Factors fromUnits(Tensor units, int in) {
        int k = units.rows(), width = units.cols(), outDim = width - in;
        Tensor a = Tensor.zeros(k, in), b = Tensor.zeros(outDim, k);
        for (int j = 0; j < k; j++) {
            for (int c = 0; c < in; c++) a.put(j * in + c, units.at(j * width + c));
            for (int o = 0; o < outDim; o++) b.put(o * k + j, units.at(j * width + in + o));
        }
        return new LoraFile.Factors(a, b, 1f);
    }

    private static LoraFile.Factors lego(Ops ops, List<LoraFile.Factors> parts, Lego s) {
        Tensor units = units(parts);
        int in = parts.getFirst().a().cols(), width = units.cols();
        if (s.k() < 1 || s.k() > units.rows()) {
            throw new IllegalArgumentException("LoRA-LEGO: k must lie in [1, " + units.rows() + "] (the units pooled), got " + s.k());
        }
        KMeans.Clustering c = KMeans.fit(ops, units, s.k(), s.iterations(), s.seed());
        Tensor centroids = c.centroids();
        if (s.parameterReweighting()) {
            double[] aNorms = new double[s.k()], bNorms = new double[s.k()];
            int[] counts = new int[s.k()];
            for (int i = 0; i < units.rows(); i++) {
                int code = c.codes().data()[i];
                counts[code]++;
                aNorms[code] += norm(units, i, 0, in);
                bNorms[code] += norm(units, i, in, width);
            }
            for (int j = 0; j < s.k(); j++) {
                rescale(centroids, j, 0, in, aNorms[j] / counts[j]);
                rescale(centroids, j, in, width, bNorms[j] / counts[j]);
            }
        }
        if (s.outputReweighting()) {
            double meanRank = parts.stream().mapToInt(LoraFile.Factors::rank).average().orElseThrow();
            float quarter = (float) Math.pow(meanRank / s.k(), 0.25);
            for (int i = 0; i < centroids.size(); i++) centroids.put(i, centroids.at(i) * quarter);
        }
        return fromUnits(centroids, in);
    }

    private static double norm(Tensor rows, int row, int from, int to) {
        double sum = 0;
        for (int c = from; c < to; c++) sum += (double) rows.at(row * rows.cols() + c) * rows.at(row * rows.cols() + c);
        return Math.sqrt(sum);
    }

    /** Scales columns {@code [from, to)} of row {@code j} to norm {@code target} (a zero part stays zero). */
    private static void rescale(Tensor rows, int j, int from, int to, double target) {
        double current = norm(rows, j, from, to);
        if (current == 0) return;
        float factor = (float) (target / current);
        for (int c = from; c < to; c++) rows.put(j * rows.cols() + c, rows.at(j * rows.cols() + c) * factor);
    }
}
