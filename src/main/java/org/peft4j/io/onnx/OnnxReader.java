package org.peft4j.io.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the graph of an ONNX model (ModelProto of {@code onnx.proto3}) straight from the protobuf
 * wire format, field by field, without generated classes. Kept: initializers, the {@code value}
 * of Constant nodes, and each node's name, op_type, inputs and outputs; every other field is
 * skipped. FLOAT and INT64 tensors are decoded ({@code raw_data} or the typed repeated field);
 * other types keep only name, type and dims. Weights must be inline: external data is rejected,
 * so models are below 2 GiB. Every length is checked against the bytes left before anything is
 * allocated.
 */
public final class OnnxReader {
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1, GRAPH_INITIALIZER = 5;
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1, ATTRIBUTE_TENSOR = 5;
    private static final int TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_FLOAT_DATA = 4, TENSOR_INT64_DATA = 7,
            TENSOR_NAME = 8, TENSOR_RAW_DATA = 9, TENSOR_DATA_LOCATION = 14;
    private static final int DATA_LOCATION_EXTERNAL = 1;

    private OnnxReader() {}

    /** Reads an {@code .onnx} file; errors name the file. */
    public static OnnxGraph read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new OnnxFormatException(file + ": " + size + " bytes; ONNX models over 2 GiB keep weights as external data, which is not supported");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a whole ONNX model from {@code in} (not closed). */
    public static OnnxGraph read(InputStream in) throws IOException {
        return parse(in.readAllBytes());
    }

    /** Parses the bytes of an ONNX ModelProto. */
    public static OnnxGraph parse(byte[] bytes) throws OnnxFormatException {
        var in = CodedInputStream.newInstance(bytes);
        try {
            in.pushLimit(bytes.length);
            OnnxGraph graph = null;
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (WireFormat.getTagFieldNumber(tag) == MODEL_GRAPH) {
                    expectLengthDelimited(tag, "ModelProto.graph");
                    graph = readGraph(bytes, in);
                } else {
                    in.skipField(tag);
                }
            }
            if (graph == null) throw new OnnxFormatException("no graph (ModelProto field 7): not an ONNX model");
            return graph;
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) { // from an in-memory array this is always an InvalidProtocolBufferException
            throw new OnnxFormatException("not an ONNX model (malformed or truncated protobuf): " + e.getMessage(), e);
        }
    }

    private static OnnxGraph readGraph(byte[] bytes, CodedInputStream in) throws IOException {
        int outer = enter(in, "ModelProto.graph");
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>(), constants = new LinkedHashMap<>();
        List<OnnxNode> nodes = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case GRAPH_NODE -> {
                    expectLengthDelimited(tag, "GraphProto.node");
                    readNode(bytes, in, nodes, constants);
                }
                case GRAPH_INITIALIZER -> {
                    expectLengthDelimited(tag, "GraphProto.initializer");
                    OnnxTensor t = readTensor(bytes, in, "initializer #" + initializers.size());
                    if (initializers.putIfAbsent(t.name(), t) != null) {
                        throw new OnnxFormatException("initializer '" + t.name() + "' appears twice");
                    }
                }
                default -> in.skipField(tag);
            }
        }
        in.popLimit(outer);
        return new OnnxGraph(initializers, constants, nodes);
    }

    /** Adds the node to {@code nodes} and, for a Constant node with a tensor {@code value}, that value to {@code constants}. */
    private static void readNode(byte[] bytes, CodedInputStream in, List<OnnxNode> nodes, Map<String, OnnxTensor> constants)
            throws IOException {
        int outer = enter(in, "NodeProto");
        String name = "", opType = "";
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        OnnxTensor value = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case NODE_INPUT -> inputs.add(readString(in, tag, "NodeProto.input"));
                case NODE_OUTPUT -> outputs.add(readString(in, tag, "NodeProto.output"));
                case NODE_NAME -> name = readString(in, tag, "NodeProto.name");
                case NODE_OP_TYPE -> opType = readString(in, tag, "NodeProto.op_type");
                case NODE_ATTRIBUTE -> {
                    expectLengthDelimited(tag, "NodeProto.attribute");
                    OnnxTensor t = readValueAttribute(bytes, in, nodes.size());
                    if (t != null) value = t;
                }
                default -> in.skipField(tag);
            }
        }
        in.popLimit(outer);
        nodes.add(new OnnxNode(name, opType, inputs, outputs));
        if (opType.equals("Constant") && value != null && outputs.size() == 1) {
            String out = outputs.getFirst();
            constants.put(out, new OnnxTensor(out, value.dataType(), value.dims(), value.floats(), value.longs()));
        }
    }

    /** The tensor of an attribute named {@code value}, or null for any other attribute. */
    private static OnnxTensor readValueAttribute(byte[] bytes, CodedInputStream in, int nodeIndex) throws IOException {
        int outer = enter(in, "AttributeProto");
        String name = "";
        OnnxTensor tensor = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case ATTRIBUTE_NAME -> name = readString(in, tag, "AttributeProto.name");
                case ATTRIBUTE_TENSOR -> {
                    expectLengthDelimited(tag, "AttributeProto.t");
                    tensor = readTensor(bytes, in, "value of node #" + nodeIndex);
                }
                default -> in.skipField(tag);
            }
        }
        in.popLimit(outer);
        return name.equals("value") ? tensor : null;
    }

    /** A TensorProto; fields may come in any order, so data is located first and decoded once dims and type are known. */
    private static OnnxTensor readTensor(byte[] bytes, CodedInputStream in, String defaultName) throws IOException {
        int outer = enter(in, "TensorProto");
        List<Long> dims = new ArrayList<>(), int64Data = new ArrayList<>();
        int dataType = 0, rawOffset = -1, rawLength = 0;
        String name = defaultName;
        FloatList floatData = new FloatList();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case TENSOR_DIMS -> readInt64s(in, tag, dims, "TensorProto.dims");
                case TENSOR_DATA_TYPE -> dataType = in.readInt32();
                case TENSOR_NAME -> name = readString(in, tag, "TensorProto.name");
                case TENSOR_RAW_DATA -> {
                    expectLengthDelimited(tag, "TensorProto.raw_data");
                    rawLength = readLength(in, "raw_data of '" + name + "'");
                    rawOffset = in.getTotalBytesRead();
                    in.skipRawBytes(rawLength);
                }
                case TENSOR_FLOAT_DATA -> readFloats(bytes, in, tag, floatData);
                case TENSOR_INT64_DATA -> readInt64s(in, tag, int64Data, "TensorProto.int64_data");
                case TENSOR_DATA_LOCATION -> {
                    if (in.readInt32() == DATA_LOCATION_EXTERNAL) {
                        throw new OnnxFormatException("'" + name + "' keeps its data in an external file, which is not supported");
                    }
                }
                default -> in.skipField(tag);
            }
        }
        in.popLimit(outer);
        int[] shape = shape(name, dims);
        int count = 1;
        for (int d : shape) count *= d;
        String where = "'" + name + "' (" + OnnxTensor.typeName(dataType) + ", dims " + dims + ")";
        return switch (dataType) {
            case OnnxTensor.FLOAT -> {
                float[] values;
                if (rawOffset >= 0) {
                    checkRawLength(where, rawLength, count, Float.BYTES);
                    values = new float[count];
                    ByteBuffer.wrap(bytes, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                } else {
                    checkCount(where, "float_data", floatData.size, count);
                    values = floatData.toArray();
                }
                yield new OnnxTensor(name, dataType, shape, values, null);
            }
            case OnnxTensor.INT64 -> {
                long[] values;
                if (rawOffset >= 0) {
                    checkRawLength(where, rawLength, count, Long.BYTES);
                    values = new long[count];
                    ByteBuffer.wrap(bytes, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
                } else {
                    checkCount(where, "int64_data", int64Data.size(), count);
                    values = int64Data.stream().mapToLong(Long::longValue).toArray();
                }
                yield new OnnxTensor(name, dataType, shape, null, values);
            }
            default -> new OnnxTensor(name, dataType, shape, null, null);
        };
    }

    private static void checkRawLength(String where, int rawLength, int count, int bytesPerValue) throws OnnxFormatException {
        if (rawLength != (long) bytesPerValue * count) {
            throw new OnnxFormatException(where + ": raw_data holds " + rawLength + " bytes but the dims need "
                    + (long) bytesPerValue * count);
        }
    }

    private static void checkCount(String where, String field, int found, int count) throws OnnxFormatException {
        if (found != count) {
            throw new OnnxFormatException(where + ": " + field + " holds " + found + " values but the dims need " + count);
        }
    }

    private static int[] shape(String name, List<Long> dims) throws OnnxFormatException {
        int[] shape = new int[dims.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = dims.get(i);
            if (d < 0) throw new OnnxFormatException("'" + name + "' has negative dims " + dims);
            if (d > Integer.MAX_VALUE) throw new OnnxFormatException("'" + name + "' dims " + dims + " exceed 2^31-1 values");
            count *= d; // both factors ≤ 2^31 - 1: no overflow
            if (count > Integer.MAX_VALUE) throw new OnnxFormatException("'" + name + "' dims " + dims + " exceed 2^31-1 values");
            shape[i] = (int) d;
        }
        return shape;
    }

    /** A repeated int64 field, packed or not. */
    private static void readInt64s(CodedInputStream in, int tag, List<Long> into, String field) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int outer = enter(in, field);
            while (!in.isAtEnd()) into.add(in.readInt64());
            in.popLimit(outer);
        } else {
            expectWireType(tag, WireFormat.WIRETYPE_VARINT, field);
            into.add(in.readInt64());
        }
    }

    /** A repeated float field, packed or not. */
    private static void readFloats(byte[] bytes, CodedInputStream in, int tag, FloatList into) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = readLength(in, "TensorProto.float_data");
            if (length % Float.BYTES != 0) {
                throw new OnnxFormatException("packed float_data of " + length + " bytes is not a whole number of floats");
            }
            into.addLittleEndian(bytes, in.getTotalBytesRead(), length / Float.BYTES);
            in.skipRawBytes(length);
        } else {
            expectWireType(tag, WireFormat.WIRETYPE_FIXED32, "TensorProto.float_data");
            into.add(in.readFloat());
        }
    }

    private static String readString(CodedInputStream in, int tag, String field) throws IOException {
        expectLengthDelimited(tag, field);
        return in.readStringRequireUtf8();
    }

    /** Reads a length prefix that must fit in what is left of the enclosing message. */
    private static int readLength(CodedInputStream in, String what) throws IOException {
        int length = in.readRawVarint32();
        if (length < 0 || length > in.getBytesUntilLimit()) {
            throw new OnnxFormatException(what + " claims " + Integer.toUnsignedString(length) + " bytes but only "
                    + in.getBytesUntilLimit() + " remain (truncated file?)");
        }
        return length;
    }

    /** Enters a length-delimited sub-message; returns the limit to restore with {@code popLimit}. */
    private static int enter(CodedInputStream in, String what) throws IOException {
        return in.pushLimit(readLength(in, what));
    }

    private static void expectLengthDelimited(int tag, String field) throws OnnxFormatException {
        expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    }

    private static void expectWireType(int tag, int wireType, String field) throws OnnxFormatException {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new OnnxFormatException(field + " has wire type " + WireFormat.getTagWireType(tag) + ", expected "
                    + wireType + ": not an ONNX model");
        }
    }

    /** A growable float array; growth is bounded by the input because every value consumes input bytes. */
    private static final class FloatList {
        private float[] values = new float[16];
        private int size;

        void add(float v) {
            ensure(1);
            values[size++] = v;
        }

        void addLittleEndian(byte[] bytes, int offset, int count) {
            ensure(count);
            ByteBuffer.wrap(bytes, offset, Float.BYTES * count).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values, size, count);
            size += count;
        }

        private void ensure(int more) {
            if (size + more > values.length) values = Arrays.copyOf(values, Math.max(size + more, 2 * values.length));
        }

        float[] toArray() { return Arrays.copyOf(values, size); }
    }
}
