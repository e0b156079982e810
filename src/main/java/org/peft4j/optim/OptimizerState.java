package org.peft4j.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.tensor.Tensor;

/**
 * The named state buffers of an optimizer and its step count t, exported and restored as one map.
 * t is stored under {@link #STEP_KEY} as the float32 pair {@code [t div 2^24, t mod 2^24]}, so every
 * t below 2^48 round-trips exactly through a float32 checkpoint.
 */
public final class OptimizerState {
    /** Name of the step-count entry in {@link #export()}. */
    public static final String STEP_KEY = "step";
    private static final int STEP_DIGIT_BITS = 24;
    private static final long STEP_DIGIT = 1L << STEP_DIGIT_BITS;

    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long steps;

    /** A new zero buffer named {@code key}. */
    public Tensor allocate(String key, int... shape) {
        if (key.equals(STEP_KEY) || buffers.containsKey(key)) {
            throw new IllegalArgumentException("optimizer state '" + key + "' is allocated twice");
        }
        Tensor buffer = Tensor.zeros(shape).named(key);
        buffers.put(key, buffer);
        return buffer;
    }

    public long steps() { return steps; }

    /** Counts one more step and returns it: t = 1 on the first call. */
    public long advance() {
        if (steps + 1 >= STEP_DIGIT * STEP_DIGIT) throw new IllegalStateException("optimizer step count exceeds 2^48");
        return ++steps;
    }

    /** Bytes held by the buffers (the step count is not counted). */
    public long bytes() {
        long total = 0;
        for (Tensor t : buffers.values()) total += (long) t.size() * Float.BYTES;
        return total;
    }

    /** The buffers (live views) followed by the step count. */
    public Map<String, Tensor> export() {
        var out = new LinkedHashMap<>(buffers);
        out.put(STEP_KEY, Tensor.of(new float[] {steps / STEP_DIGIT, steps % STEP_DIGIT}, 2).named(STEP_KEY));
        return Collections.unmodifiableMap(out);
    }

    /** Copies {@code saved} into the buffers and step count after checking all of it; see {@link Optimizer#loadState}. */
    public void load(Map<String, Tensor> saved) {
        var missing = new ArrayList<String>();
        var problems = new ArrayList<String>();
        for (var e : buffers.entrySet()) {
            Tensor given = saved.get(e.getKey());
            if (given == null) missing.add(e.getKey());
            else if (!given.sameShape(e.getValue())) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(given.shape())
                        + ", expected " + Arrays.toString(e.getValue().shape()));
            }
        }
        if (saved.get(STEP_KEY) == null) missing.add(STEP_KEY);
        List<String> unexpected = saved.keySet().stream()
                .filter(k -> !k.equals(STEP_KEY) && !buffers.containsKey(k)).toList();
        if (!missing.isEmpty()) problems.addFirst("missing " + missing);
        if (!unexpected.isEmpty()) problems.add("unexpected " + unexpected);
        long restoredSteps = missing.contains(STEP_KEY) ? 0 : decodeSteps(saved.get(STEP_KEY), problems);
        if (!problems.isEmpty()) throw new OptimizerStateException("optimizer state does not fit: " + String.join("; ", problems));
        for (var e : buffers.entrySet()) e.getValue().copyFrom(saved.get(e.getKey()));
        steps = restoredSteps;
    }

    private static long decodeSteps(Tensor step, List<String> problems) {
        if (!Arrays.equals(step.shape(), new int[] {2})) {
            problems.add("'" + STEP_KEY + "' has shape " + Arrays.toString(step.shape()) + ", expected [2]");
            return 0;
        }
        float high = step.at(0), low = step.at(1);
        if (!isDigit(high) || !isDigit(low)) {
            problems.add("'" + STEP_KEY + "' must hold two integers in [0, 2^24), got [" + high + ", " + low + "]");
            return 0;
        }
        return (long) high * STEP_DIGIT + (long) low;
    }

    private static boolean isDigit(float x) {
        return x >= 0 && x < STEP_DIGIT && x == Math.rint(x);
    }
}
