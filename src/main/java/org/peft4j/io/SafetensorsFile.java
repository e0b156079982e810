package org.peft4j.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * The contents of a safetensors file, each map in header order: floating-point tensors as
 * float32 (each named by its key), integer and BOOL tensors as int32, and the
 * {@code __metadata__} strings.
 */
public record SafetensorsFile(Map<String, Tensor> tensors, Map<String, IntTensor> intTensors,
                              Map<String, String> metadata) {
    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        intTensors = Collections.unmodifiableMap(new LinkedHashMap<>(intTensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The float tensor called {@code name}; throws naming what the file holds when absent. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new NoSuchElementException("no float tensor \"" + name + "\" among " + tensors.size() + ": "
                    + tensors.keySet().stream().limit(8).collect(Collectors.joining(", "))
                    + (tensors.size() > 8 ? ", ..." : ""));
        }
        return t;
    }
}
