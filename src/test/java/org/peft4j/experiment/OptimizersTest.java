package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.GaLoreAdamW;
import org.peft4j.optim.Optimizer;
import org.peft4j.tensor.Tensor;

class OptimizersTest {

    /** GPT-2 names: embedding, one attention matrix, a norm and an untied head. */
    private static List<Parameter> model() {
        return List.of(
                Parameter.trainable("transformer.wte.weight", Tensor.uniform(1, 1f, 11, 8)),
                Parameter.trainable("transformer.h.0.attn.c_attn.weight", Tensor.uniform(2, 1f, 8, 24)),
                Parameter.trainable("transformer.h.0.mlp.c_proj.weight", Tensor.uniform(3, 1f, 32, 8)),
                Parameter.trainable("transformer.h.0.ln_1.weight", Tensor.uniform(4, 1f, 8)),
                Parameter.trainable("lm_head.weight", Tensor.uniform(5, 1f, 11, 8)));
    }

    @Test
    void galoreProjectsTheHiddenMatricesOnly() {
        ExperimentSpec spec = ExperimentSpec.withOverrides(Map.of("optimizer.name", "galore", "optimizer.rank", 4));
        Optimizer optimizer = Optimizers.create(spec.optimizer(), model());
        var galore = assertInstanceOf(GaLoreAdamW.class, optimizer);
        assertEquals(new GaLoreAdamW.Projection(4, 200, 0.25), galore.projection(), "defaults T = 200, α = 0.25");
        Map<String, Tensor> state = optimizer.state();
        assertArrayEquals(new int[] {8, 4}, state.get("transformer.h.0.attn.c_attn.weight.ortho_matrix").shape(), "8×24: left side");
        assertArrayEquals(new int[] {4, 24}, state.get("transformer.h.0.attn.c_attn.weight.exp_avg").shape());
        assertArrayEquals(new int[] {4, 8}, state.get("transformer.h.0.mlp.c_proj.weight.ortho_matrix").shape(), "32×8: right side");
        assertArrayEquals(new int[] {11, 8}, state.get("transformer.wte.weight.exp_avg").shape(), "embeddings are not projected");
        assertArrayEquals(new int[] {11, 8}, state.get("lm_head.weight.exp_avg").shape(), "the head is not projected");
        assertFalse(state.containsKey("lm_head.weight.ortho_matrix"));
    }

    @Test
    void dctStoresSelectedIndices() {
        ExperimentSpec spec = ExperimentSpec.withOverrides(Map.of("optimizer.name", "dct", "optimizer.rank", 3,
                "optimizer.update_proj_gap", 50, "optimizer.scale", 1.0));
        var optimizer = assertInstanceOf(GaLoreAdamW.class, Optimizers.create(spec.optimizer(), model()));
        assertEquals(new GaLoreAdamW.Projection(3, 50, 1.0), optimizer.projection());
        assertArrayEquals(new int[] {3}, optimizer.state().get("transformer.h.0.mlp.c_proj.weight.dct_indices").shape());
    }

    @Test
    void specsWithoutProjectionKeysStillLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.json");
        Files.writeString(file, "{\"optimizer\": {\"name\": \"adamw\", \"lr\": 0.001}}");
        ExperimentSpec spec = ExperimentSpec.load(file, Map.of());
        assertEquals(32, spec.optimizer().rank());
        assertEquals(200, spec.optimizer().updateProjGap());
        assertEquals(0.25, spec.optimizer().scale());
    }

    @Test
    void rejectsUnknownNamesAndBadProjections() {
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create(
                ExperimentSpec.withOverrides(Map.of("optimizer.name", "lion")).optimizer(), model()));
        assertTrue(e.getMessage().contains("galore or dct"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentSpec.withOverrides(Map.of("optimizer.rank", 0)));
        assertTrue(e.getMessage().contains("optimizer.rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentSpec.withOverrides(Map.of("optimizer.scale", -1)));
        assertTrue(e.getMessage().contains("optimizer.scale"), e.getMessage());
    }
}
