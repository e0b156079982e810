package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.peft4j.nn.Parameter;

class ParameterGroupTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "bert.encoder.layer.0.attention.self.query.weight",
            "model.layers.3.self_attn.q_proj.lora_A.default.weight",
            "model.layers.3.mlp.down_proj.weight",
            "transformer.h.0.attn.c_attn.weight",
            "classifier.weight",
            "model.normalizer.weight"})
    void matricesDecay(String name) {
        assertTrue(ParameterGroup.decays(name, true), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "bert.encoder.layer.0.attention.self.query.bias",
            "bert.embeddings.LayerNorm.weight",
            "bert.encoder.layer.11.output.LayerNorm.bias",
            "model.layers.0.input_layernorm.weight",
            "model.layers.0.post_attention_layernorm.weight",
            "model.norm.weight",
            "encoder.block.0.layer.0.layer_norm.weight",
            "model.decoder.layers.0.self_attn_layer_norm.weight",
            "transformer.h.0.ln_1.weight",
            "transformer.ln_f.bias",
            "model.layers.0.q_norm.weight"})
    void biasesAndNormWeightsDoNotDecay(String name) {
        assertFalse(ParameterGroup.decays(name, true), name);
    }

    @Test
    void embeddingsDecayOnlyWhenAsked() {
        for (String name : List.of("bert.embeddings.word_embeddings.weight", "model.embed_tokens.weight", "transformer.wte.weight")) {
            assertTrue(ParameterGroup.decays(name, true), name);
            assertFalse(ParameterGroup.decays(name, false), name);
        }
    }

    @Test
    void splitsTrainableParametersIntoDecayAndNoDecay() {
        Parameter query = RandomParameters.trainable("encoder.layer.0.attention.self.query.weight", 1, 5, 5);
        Parameter queryBias = RandomParameters.trainable("encoder.layer.0.attention.self.query.bias", 2, 5);
        Parameter norm = RandomParameters.trainable("encoder.layer.0.output.LayerNorm.weight", 3, 5);
        Parameter embeddings = RandomParameters.trainable("embeddings.word_embeddings.weight", 4, 11, 5);
        Parameter frozen = RandomParameters.frozen("encoder.layer.0.attention.self.key.weight", 5, 5, 5);

        List<ParameterGroup> groups = ParameterGroup.decayAndNoDecay(List.of(query, queryBias, norm, embeddings, frozen), 0.01, false);

        assertEquals(List.of("decay", "no_decay"), groups.stream().map(ParameterGroup::name).toList());
        assertEquals(List.of(query), groups.get(0).parameters());
        assertEquals(List.of(queryBias, norm, embeddings), groups.get(1).parameters());
        assertEquals(0.01, groups.get(0).weightDecay());
        assertEquals(0.0, groups.get(1).weightDecay());
        assertEquals(1.0, groups.get(0).lrMultiplier());
        assertEquals(1.0, groups.get(1).lrMultiplier());
    }

    @Test
    void rejectsBadGroups() {
        Parameter p = RandomParameters.trainable("w", 1, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("g", List.of(p), -0.5, 0));
        assertTrue(e.getMessage().contains("lrMultiplier"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("g", List.of(p), 1, Double.NaN));
        assertTrue(e.getMessage().contains("weightDecay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("g", List.of(p, p), 1, 0));
        assertTrue(e.getMessage().contains("'w' twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ParameterGroup(" ", List.of(p), 1, 0));
    }
}
