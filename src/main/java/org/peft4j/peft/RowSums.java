package org.peft4j.peft;

import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/** Row sums through {@link Ops}, as a product with a vector of ones: {@code sums += m·1}. */
final class RowSums {
    private final Tensor ones;

    /** For matrices of {@code cols} columns. */
    RowSums(int cols) {
        this.ones = Tensor.zeros(cols, 1).fill(1f).named("ones" + cols);
    }

    /** {@code sums[i] += Σ_j m[i, j]} for {@code m [rows, cols]} and {@code sums} of {@code rows} values. */
    void addTo(Ops ops, Tensor m, Tensor sums) {
        ops.gemm(Transpose.N, Transpose.N, 1f, m, ones, 1f, sums.reshape(m.rows(), 1));
    }
}
