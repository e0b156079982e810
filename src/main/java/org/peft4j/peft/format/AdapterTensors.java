package org.peft4j.peft.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.StateDictMismatchException;
import org.peft4j.peft.PeftModel;
import org.peft4j.tensor.Tensor;

/**
 * The keys of one adapter in adapter_model.safetensors, each bound to the live tensors it is saved
 * from and loaded into. As PEFT's {@code get_peft_model_state_dict} writes them, adapter name removed:
 * <pre>
 *   base_model.model.&lt;module&gt;.&lt;peftTensors key&gt;   per layer: lora_A.weight, lora_magnitude_vector, vera_lambda_b
 *   base_model.&lt;sharedPeftTensors key&gt;                shared by every layer: vera_A, vera_B
 *   base_model.model.&lt;parameter&gt;                   modules_to_save: classifier.weight, classifier.bias
 * </pre>
 * PEFT holds a modules_to_save copy as {@code classifier.modules_to_save.<adapter>.weight} in
 * memory but saves it without that infix; peft4j trains the base module itself, so the saved key
 * is its parameter name under {@code base_model.model.}.
 */
final class AdapterTensors {
    static final String MODEL_PREFIX = "base_model.model.", TUNER_PREFIX = "base_model.";

    /** Key → the live tensors behind it: one, except for a shared key whose layers hold separate copies. */
    private final Map<String, List<Tensor>> byKey = new LinkedHashMap<>();
    private final Set<String> sharedKeys = new HashSet<>();

    private AdapterTensors() {}

    static AdapterTensors of(PeftModel model, PeftModel.AdapterSet set) {
        AdapterTensors out = new AdapterTensors();
        set.byModule().forEach((module, adapter) -> {
            adapter.peftTensors().forEach((key, t) -> out.put(MODEL_PREFIX + module + "." + key, t));
            adapter.sharedPeftTensors().forEach((key, t) -> out.share(TUNER_PREFIX + key, t));
        });
        for (String module : set.config().modulesToSave()) {
            for (Parameter p : model.modulesToSave(module)) out.put(MODEL_PREFIX + p.name(), p.value());
        }
        return out;
    }

    /** One tensor per key for writing; every layer's copy of a shared tensor must hold the same values. */
    Map<String, Tensor> toSave() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        byKey.forEach((key, tensors) -> {
            Tensor first = tensors.getFirst();
            for (Tensor t : tensors) {
                if (!t.sameShape(first) || !Arrays.equals(t.toArray(), first.toArray())) {
                    throw new IllegalStateException("the layers of this adapter disagree on shared tensor " + key);
                }
            }
            out.put(key, first);
        });
        return out;
    }

    /**
     * Copies {@code file} into the adapter, after checking that its keys and shapes are exactly the
     * adapter's: every missing key, unexpected key and shape mismatch is reported in one
     * {@link StateDictMismatchException}, and nothing is copied then.
     */
    void copyFrom(Map<String, Tensor> file) {
        List<String> missing = new ArrayList<>(), mismatched = new ArrayList<>();
        Map<String, Tensor> unexpected = new LinkedHashMap<>(file);
        byKey.forEach((key, tensors) -> {
            Tensor saved = unexpected.remove(key);
            if (saved == null) missing.add(key);
            else if (!saved.sameShape(tensors.getFirst())) {
                mismatched.add(key + ": file " + Arrays.toString(saved.shape()) + " vs model "
                        + Arrays.toString(tensors.getFirst().shape()));
            }
        });
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new StateDictMismatchException(missing, List.copyOf(unexpected.keySet()), mismatched);
        }
        byKey.forEach((key, tensors) -> tensors.forEach(t -> t.copyFrom(file.get(key))));
    }

    /** Keys whose live tensors do not hold {@code file}'s values: an adapter that hands out copies. */
    List<String> differingFrom(Map<String, Tensor> file) {
        List<String> out = new ArrayList<>();
        byKey.forEach((key, tensors) -> {
            float[] saved = file.get(key).toArray();
            if (tensors.stream().anyMatch(t -> !Arrays.equals(t.toArray(), saved))) out.add(key);
        });
        return out;
    }

    private void put(String key, Tensor t) {
        if (byKey.putIfAbsent(key, List.of(t)) != null) throw collision(key);
    }

    private void share(String key, Tensor t) {
        if (byKey.containsKey(key) && !sharedKeys.contains(key)) throw collision(key);
        sharedKeys.add(key);
        List<Tensor> tensors = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        if (tensors.stream().noneMatch(s -> s == t)) tensors.add(t);
    }

    private static IllegalStateException collision(String key) {
        return new IllegalStateException("two different tensors of this adapter would be saved under " + key);
    }
}
