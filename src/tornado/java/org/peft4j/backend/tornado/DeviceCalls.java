package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compiled {@link DeviceCall}s by kernel and by the identity of the arrays and the sizes they
 * were built for: a training step replays the same calls on the same buffers, so each is compiled
 * once and then only re-run.
 */
final class DeviceCalls implements AutoCloseable {
    private final Map<List<Object>, DeviceCall> calls = new HashMap<>();
    private int built;

    /** The call for {@code parts} (arrays compared by identity, everything else by value), built on first use. */
    DeviceCall get(String kernel, Function<DeviceCall.Builder, DeviceCall> build, Object... parts) {
        List<Object> key = new ArrayList<>(parts.length + 1);
        key.add(kernel);
        for (Object p : parts) key.add(p != null && p.getClass().isArray() ? new Same(p) : p);
        return calls.computeIfAbsent(key, k -> build.apply(new DeviceCall.Builder(kernel + "_" + built++)));
    }

    int size() { return calls.size(); }

    @Override
    public void close() {
        calls.values().forEach(DeviceCall::close);
        calls.clear();
    }

    /** An array compared by identity, not contents. */
    private record Same(Object array) {
        @Override public boolean equals(Object o) { return o instanceof Same s && s.array == array; }
        @Override public int hashCode() { return System.identityHashCode(array); }
    }
}
