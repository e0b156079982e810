package org.peft4j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.peft4j.nn.bert.BertConfig;

/**
 * {@link BertConfig} as Hugging Face's {@code config.json}:
 * <pre>
 *   {"model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
 *    "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
 *    "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1,
 *    "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu"}
 * </pre>
 * Reading requires the seven sizes; epsilon and dropout default to BERT's; other keys are ignored,
 * but a {@code model_type} other than bert or a {@code hidden_act} other than gelu is an error,
 * since the encoder computes exactly BERT with erf GELU.
 */
public final class HuggingFaceBertConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceBertConfig() {}

    /** Parses {@code json}; errors name the missing or wrong key. */
    public static BertConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("config is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("config must be a JSON object");
        requireValue(root, "model_type", "bert");
        requireValue(root, "hidden_act", "gelu");
        List<String> missing = new ArrayList<>();
        int vocab = size(root, "vocab_size", missing), hidden = size(root, "hidden_size", missing),
                layers = size(root, "num_hidden_layers", missing), heads = size(root, "num_attention_heads", missing),
                intermediate = size(root, "intermediate_size", missing),
                positions = size(root, "max_position_embeddings", missing), types = size(root, "type_vocab_size", missing);
        if (!missing.isEmpty()) throw new IllegalArgumentException("config lacks " + String.join(", ", missing));
        return new BertConfig(vocab, hidden, layers, heads, intermediate, positions, types,
                number(root, "layer_norm_eps", BertConfig.DEFAULT_LAYER_NORM_EPS),
                number(root, "hidden_dropout_prob", BertConfig.DEFAULT_DROPOUT),
                number(root, "attention_probs_dropout_prob", BertConfig.DEFAULT_DROPOUT));
    }

    /** The config as {@code config.json} text (the keys above). */
    public static String toJson(BertConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model_type", "bert");
        o.put("vocab_size", c.vocabSize());
        o.put("hidden_size", c.hiddenSize());
        o.put("num_hidden_layers", c.layers());
        o.put("num_attention_heads", c.heads());
        o.put("intermediate_size", c.intermediateSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("type_vocab_size", c.typeVocabSize());
        o.put("layer_norm_eps", c.layerNormEps());
        o.put("hidden_dropout_prob", c.hiddenDropout());
        o.put("attention_probs_dropout_prob", c.attentionDropout());
        o.put("hidden_act", "gelu");
        return o.toString();
    }

    private static void requireValue(JsonNode root, String key, String expected) {
        JsonNode v = root.get(key);
        if (v != null && !expected.equals(v.asText())) {
            throw new IllegalArgumentException("config " + key + " is " + v + ", but only " + expected + " is supported");
        }
    }

    private static int size(JsonNode root, String key, List<String> missing) {
        JsonNode v = root.get(key);
        if (v == null) {
            missing.add(key);
            return 1;
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("config " + key + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static float number(JsonNode root, String key, float fallback) {
        JsonNode v = root.get(key);
        if (v == null) return fallback;
        if (!v.isNumber()) throw new IllegalArgumentException("config " + key + " must be a number, got " + v);
        return v.floatValue();
    }
}
