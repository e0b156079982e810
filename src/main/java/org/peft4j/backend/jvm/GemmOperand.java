package org.peft4j.backend.jvm;

import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * A GEMM operand {@code op(X)} seen through strides, so transposition costs nothing:
 * element {@code (i, j)} of {@code op(X)} lives at {@code data[offset + i·rowStride + j·colStride]}.
 */
record GemmOperand(float[] data, int offset, int rowStride, int colStride) {

    /** {@code op(t)} for the row-major matrix view {@code [t.rows(), t.cols()]}. */
    static GemmOperand of(Tensor t, Transpose op) {
        int ld = t.cols();
        return op.transposed()
                ? new GemmOperand(t.data(), t.offset(), 1, ld)
                : new GemmOperand(t.data(), t.offset(), ld, 1);
    }

    /** The same operand transposed: {@code op(X)ᵀ}. */
    GemmOperand transposed() {
        return new GemmOperand(data, offset, colStride, rowStride);
    }

    /** The operand shifted to start at element {@code (i, j)}. */
    GemmOperand at(int i, int j) {
        return new GemmOperand(data, offset + i * rowStride + j * colStride, rowStride, colStride);
    }

    /** The same strides over data starting {@code delta} elements further on. */
    GemmOperand shifted(int delta) {
        return new GemmOperand(data, offset + delta, rowStride, colStride);
    }

    /** Whether each row is contiguous in memory. */
    boolean rowsContiguous() { return colStride == 1; }
}
