package org.peft4j.tensor;

import java.util.Arrays;

/** A contiguous row-major int32 tensor (token ids, positions, sparse indices). */
public record IntTensor(int[] data, int[] shape) {
    public IntTensor {
        if (data.length != Shapes.size(shape)) {
            throw new ShapeException("IntTensor: " + data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        shape = shape.clone();
    }

    public static IntTensor zeros(int... shape) { return new IntTensor(new int[Shapes.size(shape)], shape); }

    public int size() { return data.length; }

    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    @Override public int[] shape() { return shape.clone(); }

    @Override
    public String toString() { return "IntTensor" + Arrays.toString(shape); }
}
