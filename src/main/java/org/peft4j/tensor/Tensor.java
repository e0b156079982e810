package org.peft4j.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A contiguous, row-major float32 tensor: a view {@code (data, offset, shape)} over a
 * {@code float[]}. Views ({@link #reshape}, {@link #rows}, {@link #slice}) share the array and
 * never copy.
 *
 * <pre>
 *   element [i0, i1, ..., ik] lives at data[offset + ((i0·d1 + i1)·d2 + ...)·dk + ik]
 * </pre>
 *
 * Tensors carry an optional name (a buffer name in a {@code Plan}, a parameter name in a model).
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int size;
    private final String name;

    private Tensor(String name, float[] data, int offset, int[] shape) {
        this.name = name;
        this.data = data;
        this.offset = offset;
        this.shape = shape.clone();
        this.size = Shapes.size(shape);
        if (offset < 0 || offset + size > data.length) {
            throw new ShapeException("tensor view " + Arrays.toString(shape) + " at offset " + offset
                    + " does not fit an array of " + data.length + " floats");
        }
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(int... shape) {
        return new Tensor(null, new float[Shapes.size(shape)], 0, shape);
    }

    /** Wraps {@code data} (no copy); its length must equal the product of {@code shape}. */
    public static Tensor of(float[] data, int... shape) {
        if (data.length != Shapes.size(shape)) {
            throw new ShapeException("Tensor.of: " + data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return new Tensor(null, data, 0, shape);
    }

    /** A view of {@code shape} over {@code data} starting at {@code offset} (no copy). */
    public static Tensor view(float[] data, int offset, int... shape) {
        return new Tensor(null, data, offset, shape);
    }

    /** Uniform values in [-bound, bound), reproducible from {@code seed}. */
    public static Tensor uniform(long seed, float bound, int... shape) {
        Tensor t = zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return t;
    }

    /** Normal values N(0, std²), reproducible from {@code seed}. */
    public static Tensor normal(long seed, float std, int... shape) {
        Tensor t = zeros(shape);
        java.util.Random rng = new java.util.Random(seed);
        for (int i = 0; i < t.size; i++) t.data[i] = (float) (rng.nextGaussian() * std);
        return t;
    }

    /** The same view with a name attached. */
    public Tensor named(String newName) {
        return new Tensor(newName, data, offset, shape);
    }

    public String name() { return name; }
    public float[] data() { return data; }
    public int offset() { return offset; }
    public int size() { return size; }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }
    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    /** Last dimension: the row length of a row-major matrix view. */
    public int cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Product of all dimensions but the last: the number of rows of a matrix view. */
    public int rows() { return shape.length == 0 ? 1 : size / Math.max(1, cols()); }

    /** A view with another shape of the same size (no copy). */
    public Tensor reshape(int... newShape) {
        if (Shapes.size(newShape) != size) {
            throw new ShapeException("reshape: " + Arrays.toString(shape) + " (" + size + " values) to "
                    + Arrays.toString(newShape) + " (" + Shapes.size(newShape) + " values)");
        }
        return new Tensor(name, data, offset, newShape);
    }

    /** Rows {@code [from, to)} along the first axis (no copy). */
    public Tensor slice(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new ShapeException("slice [" + from + ", " + to + ") of " + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(name, data, offset + from * (size / Math.max(1, shape[0])), s);
    }

    /** Rows {@code [from, to)} of the matrix view {@code [rows(), cols()]} (no copy). */
    public Tensor rows(int from, int to) {
        return asMatrix().slice(from, to);
    }

    /** This tensor seen as the matrix {@code [rows(), cols()]}. */
    public Tensor asMatrix() {
        return shape.length == 2 ? this : reshape(rows(), cols());
    }

    public float get(int... index) { return data[offset + flatIndex(index)]; }

    public void set(float value, int... index) { data[offset + flatIndex(index)] = value; }

    /** Element {@code i} of the flattened view. */
    public float at(int i) { return data[offset + i]; }

    /** Sets element {@code i} of the flattened view. */
    public void put(int i, float value) { data[offset + i] = value; }

    public Tensor fill(float value) {
        Arrays.fill(data, offset, offset + size, value);
        return this;
    }

    /** Copies {@code src} (same size) into this view. */
    public Tensor copyFrom(Tensor src) {
        if (src.size != size) {
            throw new ShapeException("copyFrom: " + Arrays.toString(src.shape) + " into " + Arrays.toString(shape));
        }
        System.arraycopy(src.data, src.offset, data, offset, size);
        return this;
    }

    /** A fresh contiguous copy. */
    public Tensor copy() {
        return new Tensor(name, toArray(), 0, shape);
    }

    /** The values of this view as a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    public boolean sameShape(Tensor other) { return Arrays.equals(shape, other.shape); }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new ShapeException("index " + Arrays.toString(index) + " for shape " + Arrays.toString(shape));
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new ShapeException("index " + Arrays.toString(index) + " out of shape " + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    @Override
    public String toString() {
        return (name == null ? "Tensor" : name) + Arrays.toString(shape);
    }
}
