package org.peft4j.experiment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.peft4j.nn.lowrank.WeightSpec;

/**
 * A whole experiment as JSON (snake_case keys). A file only needs the keys it changes: it is
 * merged over the built-in defaults ({@code pretrain-sotu.json}), and unknown keys are errors.
 * <pre>
 * { "task": "causal-lm", "seed": 42, "steps": 1600,
 *   "model": {"layers": 4, "hidden": 128, "heads": 4, "context": 128, "dropout": 0.1, "tie_weights": true,
 *             "weight": {"kind": "dense", "rank": 32, "density": 0.03, "alpha": 8, "gamma": 0.5, "b_init": "auto"}},
 *   "data": {"dataset": "sotu", "tokenizer": "char"},
 *   "optimizer": {"name": "adamw", "lr": 3e-3, "weight_decay": 0.1, "beta1": 0.9, "beta2": 0.95, "max_grad_norm": 1.0},
 *   "schedule": {"name": "cosine", "warmup_steps": 60, "min_lr_ratio": 0.1}, ... }
 * </pre>
 */
public record ExperimentSpec(String task, long seed, long steps, int batchSize, int evalEvery, int evalBatches,
                             int checkpointEvery, int threads, String backend, String output,
                             ModelSpec model, DataSpec data, OptimizerSpec optimizer, ScheduleSpec schedule) {

    /** The decoder's shape and how its block weights are parameterised ({@link WeightSpec}: dense, lowrank, sltrain, lost). */
    public record ModelSpec(int layers, int hidden, int heads, int context, float dropout, boolean tieWeights, WeightSpec weight) {}

    public record DataSpec(String dataset, String tokenizer) {}

    /**
     * {@code name}: adamw, sgd, galore or dct. {@code rank}, {@code update_proj_gap} and {@code scale} are the
     * projection rank r, refresh period T and scale α of galore and dct (defaults 32, 200, 0.25).
     */
    public record OptimizerSpec(String name, double lr, double weightDecay, double beta1, double beta2,
                                double eps, double momentum, double maxGradNorm,
                                int rank, int updateProjGap, double scale) {}

    public record ScheduleSpec(String name, long warmupSteps, double minLrRatio) {}

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The built-in defaults. */
    public static ObjectNode defaults() {
        try (InputStream in = ExperimentSpec.class.getResourceAsStream("pretrain-sotu.json")) {
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in experiment defaults are unreadable", e);
        }
    }

    /** Reads {@code file} merged over the defaults and then over {@code overrides}. */
    public static ExperimentSpec load(Path file, Map<String, Object> overrides) throws IOException {
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("experiment config " + file + " does not exist");
        }
        return parse(json, file.toString(), overrides);
    }

    /** The experiment in {@code json} merged over the defaults and then over {@code overrides}; {@code file} names it in errors. */
    public static ExperimentSpec parse(String json, String file, Map<String, Object> overrides) {
        JsonNode user;
        try {
            user = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("experiment config " + file + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (!user.isObject()) throw new IllegalArgumentException("experiment config " + file + " must hold a JSON object");
        return from(merge(merge(defaults(), (ObjectNode) user), JSON.valueToTree(nest(overrides))), file);
    }

    /** The defaults with dotted-key overrides such as {@code "model.layers" → 6}. */
    public static ExperimentSpec withOverrides(Map<String, Object> overrides) {
        return from(merge(defaults(), JSON.valueToTree(nest(overrides))), "command-line options");
    }

    private static ExperimentSpec from(ObjectNode tree, String source) {
        try {
            return JSON.treeToValue(tree, ExperimentSpec.class).validated(source);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(source + ": unknown key '" + e.getPropertyName() + "' at "
                    + path(e) + "; known keys: " + e.getKnownPropertyIds());
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            throw new IllegalArgumentException(source + ": " + e.getOriginalMessage() + " at " + path(e));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": " + e.getOriginalMessage());
        }
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) if (ref.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
        return sb.isEmpty() ? "the top level" : sb.toString();
    }

    /** Checks ranges that JSON types cannot express. */
    ExperimentSpec validated(String source) {
        requirePresent(source, this, "");
        require(source, steps >= 1, "steps must be ≥ 1");
        require(source, batchSize >= 1, "batch_size must be ≥ 1");
        require(source, model.layers() >= 1 && model.hidden() >= 1 && model.heads() >= 1, "model.layers, model.hidden and model.heads must be ≥ 1");
        require(source, model.context() >= 2, "model.context must be ≥ 2");
        require(source, model.hidden() % model.heads() == 0, "model.hidden must be a multiple of model.heads");
        require(source, model.dropout() >= 0 && model.dropout() < 1, "model.dropout must lie in [0, 1)");
        require(source, optimizer.lr() > 0 && Double.isFinite(optimizer.lr()), "optimizer.lr must be positive");
        require(source, optimizer.rank() >= 1 && optimizer.updateProjGap() >= 1, "optimizer.rank and optimizer.update_proj_gap must be ≥ 1");
        require(source, optimizer.scale() > 0 && Double.isFinite(optimizer.scale()), "optimizer.scale must be positive");
        require(source, schedule.warmupSteps() >= 0, "schedule.warmup_steps must be ≥ 0");
        require(source, schedule.minLrRatio() >= 0 && schedule.minLrRatio() <= 1, "schedule.min_lr_ratio must lie in [0, 1]");
        require(source, schedule.warmupSteps() <= steps, "schedule.warmup_steps (" + schedule.warmupSteps() + ") must not exceed steps (" + steps + ")");
        return this;
    }

    /** Every key of {@code spec} (nested sections too) has a value: JSON {@code null} is refused by name. */
    private static void requirePresent(String source, Record spec, String prefix) {
        for (RecordComponent c : spec.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(spec);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String key = prefix + PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(c.getName());
            require(source, value != null, key + " must not be null");
            if (value instanceof Record section) requirePresent(source, section, key + ".");
        }
    }

    private static void require(String source, boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(source + ": " + message);
    }

    /** {@code {"a.b": 1}} → {@code {"a": {"b": 1}}}. */
    static Map<String, Object> nest(Map<String, Object> dotted) {
        Map<String, Object> root = new java.util.LinkedHashMap<>();
        dotted.forEach((key, value) -> {
            String[] parts = key.split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new java.util.LinkedHashMap<>());
                node = child;
            }
            node.put(parts[parts.length - 1], value);
        });
        return root;
    }

    /** Deep merge: objects merge key by key, anything else in {@code over} replaces. */
    static ObjectNode merge(ObjectNode base, JsonNode over) {
        Iterator<Map.Entry<String, JsonNode>> fields = over.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode existing = base.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getValue().isObject()) merge(obj, e.getValue());
            else base.set(e.getKey(), e.getValue());
        }
        return base;
    }
}
