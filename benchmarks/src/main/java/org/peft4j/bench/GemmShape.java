package org.peft4j.bench;

import org.peft4j.backend.Transpose;

/**
 * A benchmarked product {@code C[m,n] = op(A)[m,k]·op(B)[k,n]}, written {@code <ta><tb>_<m>x<k>x<n>}
 * in benchmark parameters, e.g. {@code NT_512x4096x16} for {@code X[512,4096]·A[16,4096]ᵀ}.
 */
public record GemmShape(Transpose ta, Transpose tb, int m, int k, int n) {

    public static GemmShape parse(String spec) {
        String[] parts = spec.split("_");
        String[] mkn = parts.length == 2 ? parts[1].split("x") : new String[0];
        if (parts.length != 2 || parts[0].length() != 2 || mkn.length != 3) {
            throw new IllegalArgumentException("GEMM shape '" + spec + "' is not <N|T><N|T>_<m>x<k>x<n>");
        }
        return new GemmShape(Transpose.valueOf(parts[0].substring(0, 1)), Transpose.valueOf(parts[0].substring(1)),
                Integer.parseInt(mkn[0]), Integer.parseInt(mkn[1]), Integer.parseInt(mkn[2]));
    }

    /** Floating-point operations of one product: one multiply and one add per term. */
    public double flops() {
        return 2.0 * m * n * k;
    }

    /** Stored rows and columns of A: {@code [m, k]}, or {@code [k, m]} when transposed. */
    public int[] aShape() { return ta.transposed() ? new int[] {k, m} : new int[] {m, k}; }

    /** Stored rows and columns of B: {@code [k, n]}, or {@code [n, k]} when transposed. */
    public int[] bShape() { return tb.transposed() ? new int[] {n, k} : new int[] {k, n}; }
}
