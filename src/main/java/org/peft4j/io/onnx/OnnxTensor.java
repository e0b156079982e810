package org.peft4j.io.onnx;

import org.peft4j.tensor.Tensor;

import java.util.Arrays;

/**
 * A constant tensor of an ONNX graph (an initializer or a Constant node's value): its ONNX
 * {@code data_type}, dims, and its values where the type is one this reader decodes, FLOAT (1) as
 * {@code floats} and INT64 (7) as {@code longs}; the other array, and both for other types, is null.
 */
public record OnnxTensor(String name, int dataType, int[] dims, float[] floats, long[] longs) {
    public static final int FLOAT = 1, INT64 = 7;
    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
            "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128",
            "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};

    public OnnxTensor {
        dims = dims.clone();
    }

    @Override public int[] dims() { return dims.clone(); }

    /** Number of values: the product of dims (1 for a scalar). */
    public long size() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** The FLOAT values as a named tensor of shape dims (no copy). */
    public Tensor floatTensor() throws OnnxFormatException {
        if (floats == null) throw unsupported("FLOAT (1)");
        return Tensor.of(floats, dims).named(name);
    }

    /** The INT64 values. */
    public long[] int64Values() throws OnnxFormatException {
        if (longs == null) throw unsupported("INT64 (7)");
        return longs.clone();
    }

    private OnnxFormatException unsupported(String wanted) {
        return new OnnxFormatException("'" + name + "' has data_type " + dataType + " (" + typeName(dataType)
                + "); only " + wanted + " is supported here");
    }

    /** The ONNX name of a {@code TensorProto.DataType} value. */
    public static String typeName(int dataType) {
        return dataType >= 0 && dataType < TYPE_NAMES.length ? TYPE_NAMES[dataType] : "unknown";
    }

    @Override
    public String toString() {
        return name + " " + typeName(dataType) + Arrays.toString(dims);
    }
}
