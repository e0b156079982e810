package org.peft4j.io.onnx;

import java.util.List;

/** One ONNX graph node: {@code outputs = opType(inputs)}; inputs name initializers or other nodes' outputs. */
public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs) {
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
