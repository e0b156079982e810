package org.peft4j.io.onnx;

import java.util.ArrayList;
import java.util.List;

/** Builds small ONNX ModelProto byte arrays (field numbers of onnx.proto3) for tests. */
final class OnnxModelBuilder {
    private final List<Proto> nodes = new ArrayList<>();
    private final List<Proto> initializers = new ArrayList<>();

    OnnxModelBuilder initializer(Proto tensor) {
        initializers.add(tensor);
        return this;
    }

    OnnxModelBuilder node(String opType, List<String> inputs, String output) {
        Proto node = new Proto();
        for (String in : inputs) node.string(1, in);
        node.string(2, output).string(3, "/" + opType + "_" + nodes.size()).string(4, opType);
        nodes.add(node);
        return this;
    }

    /** A Constant node whose {@code value} attribute is {@code tensor}, after an unrelated attribute. */
    OnnxModelBuilder constant(String output, Proto tensor) {
        nodes.add(new Proto().string(2, output).string(4, "Constant")
                .message(5, new Proto().string(1, "unused").varint(20, 2).varint(3, 7))
                .message(5, new Proto().message(5, tensor).string(1, "value").varint(20, 4)));
        return this;
    }

    byte[] build() {
        Proto graph = new Proto();
        for (Proto n : nodes) graph.message(1, n);
        graph.string(2, "test-graph");
        for (Proto t : initializers) graph.message(5, t);
        return new Proto().varint(1, 6).string(2, "peft4j-test")
                .message(8, new Proto().string(1, "").varint(2, 14))
                .message(7, graph)
                .toBytes();
    }

    /** A FLOAT tensor with its values as raw_data; dims written after the data to exercise field order. */
    static Proto floatTensor(String name, float[] values, long... dims) {
        return new Proto().string(8, name).varint(2, OnnxTensor.FLOAT).bytes(9, Proto.littleEndianFloats(values)).packedInt64(1, dims);
    }

    static Proto int64Tensor(String name, long[] values, long... dims) {
        Proto t = new Proto();
        for (long d : dims) t.varint(1, d);
        return t.varint(2, OnnxTensor.INT64).string(8, name).bytes(9, Proto.littleEndianLongs(values));
    }
}
