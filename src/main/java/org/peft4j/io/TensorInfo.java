package org.peft4j.io;

import java.util.List;

/**
 * One tensor entry of a safetensors header: element type, row-major shape, and the byte range
 * {@code [begin, end)} of its little-endian values within the data buffer after the header.
 */
public record TensorInfo(DType dtype, List<Long> shape, long begin, long end) {
    public TensorInfo {
        shape = List.copyOf(shape);
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteLength() { return end - begin; }
}
