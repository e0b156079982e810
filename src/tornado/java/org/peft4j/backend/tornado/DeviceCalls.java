package org.peft4j.backend.tornado;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compiled {@link DeviceCall}s by kernel and by the sizes they were built for: the layers of a
 * model and the steps of a run reuse them, so TornadoVM compiles each kernel once per shape.
 */
final class DeviceCalls implements AutoCloseable {
    private final Map<List<Object>, DeviceCall> calls = new HashMap<>();

    /** The call for {@code kernel} at {@code sizes} (shapes, flags: anything with value equality), built on first use. */
    DeviceCall get(String kernel, Function<DeviceCall.Builder, DeviceCall> build, Object... sizes) {
        List<Object> key = new java.util.ArrayList<>(sizes.length + 1);
        key.add(kernel);
        for (Object s : sizes) key.add(s instanceof int[] shape ? Arrays.toString(shape) : s);
        return calls.computeIfAbsent(key, k -> build.apply(new DeviceCall.Builder(kernel + "_" + calls.size())));
    }

    int size() { return calls.size(); }

    @Override
    public void close() {
        calls.values().forEach(DeviceCall::close);
        calls.clear();
    }
}
