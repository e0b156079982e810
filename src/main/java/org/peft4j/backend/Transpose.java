package org.peft4j.backend;

/** Whether a GEMM operand is used as stored ({@code N}) or transposed ({@code T}). */
public enum Transpose {
    N, T;

    public boolean transposed() { return this == T; }
}
