package org.peft4j.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.tensor.Tensor;

/** Name → tensor views of a model's parameters, and strict loading with every mismatch reported at once. */
public final class StateDict {
    private StateDict() {}

    /** The parameters' values by name (views, no copy). */
    public static Map<String, Tensor> of(List<Parameter> parameters) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : parameters) out.put(p.name(), p.value());
        return out;
    }

    /**
     * Copies {@code source} into the parameters. Every missing key, unexpected key (unless
     * {@code allowUnexpected}) and shape mismatch is collected into one {@link StateDictMismatchException}.
     */
    public static void load(List<Parameter> parameters, Map<String, Tensor> source, boolean allowUnexpected) {
        List<String> missing = new ArrayList<>(), mismatched = new ArrayList<>();
        Map<String, Tensor> unexpected = new LinkedHashMap<>(source);
        for (Parameter p : parameters) {
            Tensor t = unexpected.remove(p.name());
            if (t == null) missing.add(p.name());
            else if (!Arrays.equals(t.shape(), p.value().shape())) {
                mismatched.add(p.name() + ": file " + Arrays.toString(t.shape()) + " vs model " + Arrays.toString(p.value().shape()));
            }
        }
        List<String> extra = allowUnexpected ? List.of() : List.copyOf(unexpected.keySet());
        if (!missing.isEmpty() || !mismatched.isEmpty() || !extra.isEmpty()) {
            throw new StateDictMismatchException(missing, extra, mismatched);
        }
        for (Parameter p : parameters) p.value().copyFrom(source.get(p.name()));
    }
}
