package org.peft4j.io.onnx;

import org.peft4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an ONNX model that weight import needs: initializers by name (file order), the
 * values of Constant nodes by output name, and the nodes in graph order.
 */
public record OnnxGraph(Map<String, OnnxTensor> initializers, Map<String, OnnxTensor> constants, List<OnnxNode> nodes) {
    public OnnxGraph {
        initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        nodes = List.copyOf(nodes);
    }

    /** Total number of FLOAT initializer values: the model's weights. */
    public long parameterCount() {
        return initializers.values().stream().filter(t -> t.dataType() == OnnxTensor.FLOAT).mapToLong(OnnxTensor::size).sum();
    }

    /** The FLOAT initializer {@code name}; a clear error when it is missing or of another type. */
    public Tensor weight(String name) throws OnnxFormatException {
        OnnxTensor t = initializers.get(name);
        if (t == null) throw new OnnxFormatException("the graph has no initializer '" + name + "'");
        return t.floatTensor();
    }

    /** The constant (initializer or Constant node output) behind {@code value}, if it is one. */
    public Optional<OnnxTensor> constant(String value) {
        return Optional.ofNullable(initializers.getOrDefault(value, constants.get(value)));
    }

    /** The nodes that read {@code value} as one of their inputs, in graph order. */
    public List<OnnxNode> consumers(String value) {
        List<OnnxNode> found = new ArrayList<>();
        for (OnnxNode node : nodes) {
            if (node.inputs().contains(value)) found.add(node);
        }
        return found;
    }

    /** The node that writes {@code value}, if any. */
    public Optional<OnnxNode> producer(String value) {
        return nodes.stream().filter(n -> n.outputs().contains(value)).findFirst();
    }
}
