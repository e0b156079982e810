package org.peft4j.experiment;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The pretraining methods compared by {@code peft4j pretrain --method/--methods}: each fixes how
 * the block weights are parameterised ({@code model.weight.kind}) and, for the gradient-projection
 * methods, the optimizer ({@code optimizer.name}); everything else comes from the spec.
 */
public enum PretrainMethod {
    /** Dense weights, the spec's optimizer (AdamW by default). */
    FULL("dense", null),
    /** {@code W = (α/r)·B·A}. */
    LOWRANK("lowrank", null),
    /** SLTrain: low-rank plus a random fixed-support sparse matrix. */
    SLTRAIN("sltrain", null),
    /** LOST: SVD-initialised low-rank plus channel-wise sparse. */
    LOST("lost", null),
    /** GaLore: dense weights, AdamW on gradients projected onto their top-r singular subspace. */
    GALORE("dense", "galore"),
    /** Dense weights, AdamW on gradients projected onto r DCT basis vectors (no SVD). */
    DCT("dense", "dct");

    private final String weightKind;
    private final String optimizer;

    PretrainMethod(String weightKind, String optimizer) {
        this.weightKind = weightKind;
        this.optimizer = optimizer;
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static PretrainMethod parse(String id) {
        return Arrays.stream(values()).filter(m -> m.id().equals(id.trim().toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown pretraining method '" + id + "'; known: "
                        + Arrays.stream(values()).map(PretrainMethod::id).toList()));
    }

    /** The dotted spec keys this method sets. */
    public Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model.weight.kind", weightKind);
        if (optimizer != null) o.put("optimizer.name", optimizer);
        return o;
    }
}
