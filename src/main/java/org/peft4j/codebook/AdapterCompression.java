package org.peft4j.codebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * Codebook-compressed LoRA: the rows of every A (and the columns of every B) with the same width
 * are pooled and clustered by k-means into K codes; each row is stored as its code index.
 * With sub-vectors of length m (product-quantisation style), each row is cut into pieces of m
 * values and the pieces are clustered instead:
 * <pre>
 *   A_k,: ≈ E_A[c_k]        B_:,k ≈ E_B[c'_k]        bytes = 4·|E| + ⌈#indices·⌈log₂ K⌉ / 8⌉
 * </pre>
 * The scaling s of each module is unchanged; quality is the relative error of ΔW = s·B·A.
 */
public final class AdapterCompression {
    private AdapterCompression() {}

    /** The compressed factors, their stored bytes against float32 factors, {@code Σ‖ΔW − ΔŴ‖² / Σ‖ΔW‖²}, and the codes. */
    public record Compressed(Map<String, LoraFile.Factors> modules, long bytes, long originalBytes, double deltaError, List<Group> groups) {}

    /**
     * One codebook: the rows of {@code part} ("lora_A" rows or "lora_B" columns) of width {@code width} in
     * {@code modules} order (each {@code ranks[i]} rows), cut into pieces of {@code piece} values.
     */
    public record Group(String part, int width, int piece, List<String> modules, List<Integer> ranks, ResidualCodes codes) {}

    /** Compresses every module's A and B with codebooks of (at most) {@code k} codes; {@code subvector = 0}: whole rows. */
    public static Compressed compress(Ops ops, Map<String, LoraFile.Factors> modules, int k, int subvector, int iterations, long seed) {
        if (subvector < 0) throw new IllegalArgumentException("sub-vector length must be ≥ 0, got " + subvector);
        Map<String, Tensor> aRows = new LinkedHashMap<>(), bRows = new LinkedHashMap<>();
        long original = 0;
        for (var e : modules.entrySet()) {
            aRows.put(e.getKey(), e.getValue().a());
            bRows.put(e.getKey(), transpose(e.getValue().b()));
            original += 4L * (e.getValue().a().size() + e.getValue().b().size());
        }
        List<Group> groups = new ArrayList<>();
        Map<String, Tensor> a = quantizeRows(ops, "lora_A", aRows, k, subvector, iterations, seed, groups);
        Map<String, Tensor> bt = quantizeRows(ops, "lora_B", bRows, k, subvector, iterations, seed + 1, groups);
        Map<String, LoraFile.Factors> out = new LinkedHashMap<>();
        double error = 0, norm = 0;
        for (var e : modules.entrySet()) {
            LoraFile.Factors f = new LoraFile.Factors(a.get(e.getKey()), transpose(bt.get(e.getKey())), e.getValue().scaling());
            out.put(e.getKey(), f);
            double[] exact = e.getValue().delta(), approx = f.delta();
            for (int i = 0; i < exact.length; i++) {
                error += (exact[i] - approx[i]) * (exact[i] - approx[i]);
                norm += exact[i] * exact[i];
            }
        }
        long bytes = groups.stream().mapToLong(g -> g.codes().bytes()).sum();
        return new Compressed(out, bytes, original, norm == 0 ? 0 : error / norm, groups);
    }

    /** Pools the rows of tensors of equal width, clusters them (as sub-vectors when asked), and returns the reconstructions. */
    private static Map<String, Tensor> quantizeRows(Ops ops, String part, Map<String, Tensor> byModule, int k, int subvector, int iterations,
                                                    long seed, List<Group> groups) {
        Map<Integer, List<String>> byWidth = new LinkedHashMap<>();
        byModule.forEach((module, t) -> byWidth.computeIfAbsent(t.cols(), w -> new ArrayList<>()).add(module));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var group : byWidth.entrySet()) {
            int width = group.getKey();
            int piece = subvector == 0 ? width : subvector;
            if (width % piece != 0) throw new IllegalArgumentException("sub-vector length " + piece + " does not divide row width " + width);
            int rows = group.getValue().stream().mapToInt(m -> byModule.get(m).rows()).sum();
            Tensor pooled = Tensor.zeros(rows, width);
            int at = 0;
            for (String m : group.getValue()) {
                Tensor t = byModule.get(m);
                pooled.rows(at, at + t.rows()).copyFrom(t);
                at += t.rows();
            }
            Tensor pieces = pooled.reshape(rows * width / piece, piece);
            ResidualCodes codes = ResidualCodes.fit(ops, pieces, Math.min(k, pieces.rows()), 1, iterations, seed);
            groups.add(new Group(part, width, piece, List.copyOf(group.getValue()),
                    group.getValue().stream().map(m -> byModule.get(m).rows()).toList(), codes));
            Tensor decoded = codes.decode(ops).reshape(rows, width);
            at = 0;
            for (String m : group.getValue()) {
                int r = byModule.get(m).rows();
                out.put(m, decoded.rows(at, at + r).copy());
                at += r;
            }
        }
        return out;
    }

    static Tensor transpose(Tensor m) {
        int rows = m.rows(), cols = m.cols();
        Tensor t = Tensor.zeros(cols, rows);
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t.put(j * rows + i, m.at(i * cols + j));
        return t;
    }
}
