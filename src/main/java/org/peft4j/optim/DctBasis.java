package org.peft4j.optim;

import org.peft4j.tensor.Tensor;

/**
 * The orthonormal DCT-II basis of ℝⁿ as the columns of D [n, n] (DᵀD = I):
 * <pre>
 *   D[i, j] = c_j · cos(π·(i + ½)·j / n),   c_0 = √(1/n),  c_j = √(2/n) for j ≥ 1
 * </pre>
 * computed in double and rounded to float32.
 */
public final class DctBasis {
    private DctBasis() {}

    public static Tensor orthonormal(int n) {
        if (n < 1) throw new IllegalArgumentException("DCT basis dimension must be >= 1, got " + n);
        Tensor d = Tensor.zeros(n, n);
        for (int j = 0; j < n; j++) {
            double c = Math.sqrt((j == 0 ? 1.0 : 2.0) / n);
            for (int i = 0; i < n; i++) d.put(i * n + j, (float) (c * Math.cos(Math.PI * (i + 0.5) * j / n)));
        }
        return d;
    }
}
