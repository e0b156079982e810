package org.peft4j.codebook;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Vectors stored as codebook indices, with optional residual stages for higher fidelity
 * (residual vector quantisation):
 * <pre>
 *   r⁰ = x     c_i^s = argmin_k ‖r_i^s − E^s_k‖²     r^{s+1} = r^s − E^s[c^s]       x̂ = Σ_s E^s[c^s]
 * </pre>
 * Size: the codebooks as float32 plus {@code N·Σ_s ⌈log₂ K_s⌉} bits of packed indices
 * ({@link PackedCodes}).
 */
public record ResidualCodes(List<Tensor> codebooks, List<IntTensor> codes) {
    public ResidualCodes {
        if (codebooks.isEmpty() || codebooks.size() != codes.size()) {
            throw new IllegalArgumentException("need one code list per codebook and at least one stage, got "
                    + codebooks.size() + " codebooks and " + codes.size() + " code lists");
        }
        codebooks = List.copyOf(codebooks);
        codes = List.copyOf(codes);
    }

    /** {@code stages} codebooks of {@code k} codes, each k-means over the previous stage's residual. */
    public static ResidualCodes fit(Ops ops, Tensor x, int k, int stages, int iterations, long seed) {
        if (stages < 1) throw new IllegalArgumentException("need ≥ 1 stage, got " + stages);
        Tensor residual = x.asMatrix().copy();
        List<Tensor> books = new ArrayList<>();
        List<IntTensor> codes = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            KMeans.Clustering c = KMeans.fit(ops, residual, k, iterations, seed + s);
            books.add(c.centroids());
            codes.add(c.codes());
            subtractQuantized(ops, c.centroids(), c.codes(), residual);
        }
        return new ResidualCodes(books, codes);
    }

    /** Encodes {@code x} with given codebooks, stage after stage on the residual. */
    public static ResidualCodes encode(Ops ops, Tensor x, List<Tensor> codebooks) {
        Tensor residual = x.asMatrix().copy();
        int n = residual.rows();
        List<IntTensor> codes = new ArrayList<>();
        for (Tensor book : codebooks) {
            IntTensor c = IntTensor.zeros(n);
            ops.nearestCode(residual, book, Tensor.zeros(n, book.rows()), c);
            codes.add(c);
            subtractQuantized(ops, book, c, residual);
        }
        return new ResidualCodes(codebooks, codes);
    }

    private static void subtractQuantized(Ops ops, Tensor book, IntTensor codes, Tensor residual) {
        Tensor quantized = Tensor.zeros(residual.rows(), residual.cols());
        ops.embeddingGather(book, codes, quantized);
        ops.axpy(-1f, quantized, residual);
    }

    public int rows() { return codes.getFirst().size(); }
    public int dim() { return codebooks.getFirst().cols(); }

    /** {@code x̂ = Σ_s E^s[c^s]} as {@code [rows, dim]}. */
    public Tensor decode(Ops ops) {
        Tensor out = Tensor.zeros(rows(), dim()), stage = Tensor.zeros(rows(), dim());
        for (int s = 0; s < codebooks.size(); s++) {
            ops.embeddingGather(codebooks.get(s), codes.get(s), stage);
            ops.axpy(1f, stage, out);
        }
        return out;
    }

    /** Stored bytes: float32 codebooks plus the packed indices. */
    public long bytes() {
        long floats = codebooks.stream().mapToLong(Tensor::size).sum();
        long bits = 0;
        for (Tensor book : codebooks) bits += (long) rows() * PackedCodes.bitsFor(book.rows());
        return 4 * floats + (bits + 7) / 8;
    }
}
