package org.peft4j.optim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.peft4j.nn.Parameter;

/**
 * Parameters that share a learning-rate multiplier and a weight-decay coefficient: the update of a
 * parameter in this group uses {@code lr = schedule(t) · lrMultiplier}. Frozen parameters
 * ({@code grad == null}) may be listed; optimizers skip them.
 */
public record ParameterGroup(String name, List<Parameter> parameters, double lrMultiplier, double weightDecay) {

    /**
     * Names exempt from weight decay in Hugging Face {@code Trainer.get_decay_parameter_names}, matched
     * anywhere in the lower-cased name, plus the {@code ln_*} names under which GPT-2 and Falcon keep the
     * {@code nn.LayerNorm} modules that the Trainer exempts by type.
     */
    private static final Pattern NO_DECAY = Pattern.compile(
            "bias|layernorm|rmsnorm|(?:^|\\.)norm(?:$|\\.)|_norm(?:$|\\.)|(?:^|\\.)ln_[^.]*\\.");
    /** Embedding tables: BERT/Llama {@code *embed*}, GPT-2 {@code wte}/{@code wpe}. */
    private static final Pattern EMBEDDING = Pattern.compile("embed|(?:^|\\.)wte\\.|(?:^|\\.)wpe\\.");

    public ParameterGroup {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("parameter group needs a name");
        parameters = List.copyOf(parameters);
        if (!(lrMultiplier >= 0 && Double.isFinite(lrMultiplier))) {
            throw new IllegalArgumentException("parameter group '" + name + "': lrMultiplier must be finite and >= 0, got " + lrMultiplier);
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("parameter group '" + name + "': weightDecay must be finite and >= 0, got " + weightDecay);
        }
        var seen = new HashSet<String>();
        for (Parameter p : parameters) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException("parameter group '" + name + "' lists parameter '" + p.name() + "' twice");
            }
        }
    }

    /** The parameters with a gradient, in order. */
    public List<Parameter> trainable() {
        return parameters.stream().filter(Parameter::trainable).toList();
    }

    /**
     * Whether a parameter of this name takes weight decay under the Hugging Face Trainer rule: no decay
     * for biases and normalisation weights (names containing {@code bias}, {@code layernorm},
     * {@code rmsnorm}, a {@code norm} or {@code *_norm} path segment, or an {@code ln_*} module); with
     * {@code decayEmbeddings == false} also none for embedding tables ({@code *embed*}, {@code wte}, {@code wpe}).
     */
    public static boolean decays(String parameterName, boolean decayEmbeddings) {
        String n = parameterName.toLowerCase(Locale.ROOT);
        if (NO_DECAY.matcher(n).find()) return false;
        return decayEmbeddings || !EMBEDDING.matcher(n).find();
    }

    /**
     * The two groups Hugging Face Trainer builds: {@code "decay"} (weight decay {@code weightDecay}) and
     * {@code "no_decay"} (0), split by {@link #decays}; only trainable parameters are kept, both groups
     * use multiplier 1 and either may be empty.
     */
    public static List<ParameterGroup> decayAndNoDecay(List<Parameter> parameters, double weightDecay, boolean decayEmbeddings) {
        var decay = new ArrayList<Parameter>();
        var noDecay = new ArrayList<Parameter>();
        for (Parameter p : parameters) {
            if (p.trainable()) (decays(p.name(), decayEmbeddings) ? decay : noDecay).add(p);
        }
        return List.of(new ParameterGroup("decay", decay, 1, weightDecay), new ParameterGroup("no_decay", noDecay, 1, 0));
    }
}
