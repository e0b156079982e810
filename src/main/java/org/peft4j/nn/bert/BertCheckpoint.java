package org.peft4j.nn.bert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.tensor.Tensor;

/**
 * Pretrained BERT weights as a Hugging Face {@code BertModel} state dict (names such as
 * {@code encoder.layer.0.attention.self.query.weight}; Linear weights in PyTorch layout
 * {@code [out, in]}) together with their config. The pooler ({@link #POOLER_WEIGHTS}) may be
 * present; {@link BertEncoder} has none and leaves it out when loading.
 */
public record BertCheckpoint(BertConfig config, Map<String, Tensor> weights) {
    /** {@code BertModel}'s optional pooler, {@code tanh(dense(h[CLS]))}, unused by mean-pooled sentence encoders. */
    public static final List<String> POOLER_WEIGHTS = List.of("pooler.dense.weight", "pooler.dense.bias");

    public BertCheckpoint {
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** Total number of weight values. */
    public long parameterCount() {
        return weights.values().stream().mapToLong(Tensor::size).sum();
    }

    /** The weights without the pooler: exactly what a {@link BertEncoder} of {@link #config} holds. */
    public Map<String, Tensor> encoderWeights() {
        Map<String, Tensor> encoder = new LinkedHashMap<>(weights);
        POOLER_WEIGHTS.forEach(encoder::remove);
        return encoder;
    }

    /**
     * What keeps these weights from being a {@code BertModel} of {@link #config}, in a stable
     * order: each wrong shape and missing weight (in module order), a pooler with only one of its
     * two weights, then each unexpected weight. Empty when they fit.
     */
    public List<String> problems() {
        Map<String, int[]> expected = expectedShapes(config);
        expected.putAll(poolerShapes(config));
        List<String> problems = new ArrayList<>();
        expected.forEach((name, shape) -> {
            Tensor t = weights.get(name);
            if (t == null && !POOLER_WEIGHTS.contains(name)) problems.add("missing " + name);
            else if (t != null && !Arrays.equals(t.shape(), shape)) {
                problems.add(name + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
            }
        });
        if (POOLER_WEIGHTS.stream().filter(weights::containsKey).count() == 1) problems.add("pooler.dense is incomplete");
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name)) problems.add("unexpected weight " + name);
        }
        return problems;
    }

    /** Every weight of a {@code BertModel} for {@code c} with its PyTorch shape, in module order, pooler excluded. */
    public static Map<String, int[]> expectedShapes(BertConfig c) {
        int h = c.hiddenSize();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        shapes.put("embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        shapes.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        putLayerNorm(shapes, "embeddings.LayerNorm", h);
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            putLinear(shapes, p + "attention.self.query", h, h);
            putLinear(shapes, p + "attention.self.key", h, h);
            putLinear(shapes, p + "attention.self.value", h, h);
            putLinear(shapes, p + "attention.output.dense", h, h);
            putLayerNorm(shapes, p + "attention.output.LayerNorm", h);
            putLinear(shapes, p + "intermediate.dense", h, c.intermediateSize());
            putLinear(shapes, p + "output.dense", c.intermediateSize(), h);
            putLayerNorm(shapes, p + "output.LayerNorm", h);
        }
        return shapes;
    }

    /** The pooler's shapes, {@code dense: hidden → hidden}. */
    public static Map<String, int[]> poolerShapes(BertConfig c) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        putLinear(shapes, "pooler.dense", c.hiddenSize(), c.hiddenSize());
        return shapes;
    }

    private static void putLinear(Map<String, int[]> shapes, String prefix, int in, int out) {
        shapes.put(prefix + ".weight", new int[] {out, in});
        shapes.put(prefix + ".bias", new int[] {out});
    }

    private static void putLayerNorm(Map<String, int[]> shapes, String prefix, int hidden) {
        shapes.put(prefix + ".weight", new int[] {hidden});
        shapes.put(prefix + ".bias", new int[] {hidden});
    }
}
