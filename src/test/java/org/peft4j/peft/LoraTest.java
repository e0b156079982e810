package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** LoRA's defining properties and the PeftModel life cycle. */
class LoraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules QV = TargetModules.of("query", "value");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void zeroBLeavesTheOutputUnchanged() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
    }

    @Test
    void gradientsOfAAndBWithDropoutAndRslora() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("lora", 3, 6, QV).withDropout(0.2f).withRslora(true).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void freezesTheBaseAndCountsTrainableParameters() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV).withModulesToSave("classifier"));
        long adapter = 4L * 2 * (8 + 8);
        long head = 8 * 3 + 3;
        assertEquals(adapter + head, model.trainableParameterCount());
        for (Parameter p : model.parameters()) {
            boolean shouldTrain = p.name().contains(".lora_") || p.name().startsWith("classifier.");
            assertEquals(shouldTrain, p.trainable(), p.name());
        }
    }

    @Test
    void mergeEqualsTheUnmergedForwardAndUnmergeRestoresTheBase() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("lora", 2, 4, QV), 5);
        Tensor w = ((DenseWeight) model.linears().get("encoder.layer.1.attention.self.value").weight()).dense();
        float[] original = w.toArray();
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertTrue(model.linears().values().stream().allMatch(l -> l.adapters().isEmpty()), "merged adapters no longer run");
        assertArrayEquals(adapted, AdapterChecks.logits(ops, model, batch), 1e-5f);
        model.unmerge();
        assertArrayEquals(original, w.toArray(), 1e-6f);
        assertArrayEquals(adapted, AdapterChecks.logits(ops, model, batch), 1e-5f);
    }

    @Test
    void pissaStartsAtTheOriginalWeightsAndKeepsTheResidualInTheBase() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 6);
        float[] before = AdapterChecks.logits(ops, base, batch);
        Tensor w = ((DenseWeight) base.linears().get("encoder.layer.0.attention.self.query").weight()).dense();
        float[] original = w.toArray();
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV).withInit("pissa"));
        assertFalse(java.util.Arrays.equals(original, w.toArray()), "the base now holds the residual");
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 1e-5f);
    }

    @Test
    void namedAdaptersSwitchDisableAndDelete() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 7);
        float[] plain = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("a", AdapterConfig.of("lora", 2, 4, QV).withSeed(1));
        model.addAdapter("b", AdapterConfig.of("lora", 2, 4, TargetModules.of("key")).withSeed(2));
        AdapterChecks.perturbTrainable(model, 9, 0.5f);
        float[] withA = AdapterChecks.logits(ops, model, batch);
        model.setActiveAdapter("b");
        AdapterChecks.perturbTrainable(model, 10, 0.5f);
        float[] withB = AdapterChecks.logits(ops, model, batch);
        assertFalse(java.util.Arrays.equals(withA, withB));
        model.disableAdapters();
        assertArrayEquals(plain, AdapterChecks.logits(ops, model, batch), 0f);
        model.enableAdapters();
        model.setActiveAdapter("a");
        assertArrayEquals(withA, AdapterChecks.logits(ops, model, batch), 0f);
        model.deleteAdapter("a");
        assertEquals("b", model.activeAdapter());
        assertArrayEquals(withB, AdapterChecks.logits(ops, model, batch), 0f);
    }

    @Test
    void mergeAndUnloadLeavesThePlainModelWithTheUpdate() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("lora", 2, 4, QV), 8);
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        var plain = model.mergeAndUnload();
        assertTrue(model.adapters().isEmpty());
        assertArrayEquals(adapted, AdapterChecks.logits(ops, plain, batch), 1e-5f);
    }

    @Test
    void targetMatchingFollowsPeft() {
        List<String> heads = List.of("classifier");
        assertTrue(TargetModules.of("query").matches("encoder.layer.0.attention.self.query", heads));
        assertFalse(TargetModules.of("query").matches("encoder.layer.0.attention.self.query_proj", heads));
        assertTrue(TargetModules.of("output.dense").matches("encoder.layer.3.attention.output.dense", heads));
        assertTrue(TargetModules.matching(".*layer\\.[01]\\..*value").matches("encoder.layer.1.attention.self.value", heads));
        assertFalse(TargetModules.matching("value").matches("encoder.layer.1.attention.self.value", heads), "regex must match the whole name");
        assertTrue(TargetModules.everyLinear().matches("encoder.layer.1.intermediate.dense", heads));
        assertFalse(TargetModules.everyLinear().matches("classifier", heads));
        assertFalse(TargetModules.everyLinear().excluding("intermediate.dense").matches("encoder.layer.1.intermediate.dense", heads));
        assertFalse(TargetModules.of("query").inLayers(0).matches("encoder.layer.1.attention.self.query", heads));
        assertTrue(TargetModules.of("query").inLayers(0, 1).matches("encoder.layer.1.attention.self.query", heads));
    }

    @Test
    void rankAndAlphaPatternsOverridePerModule() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV)
                .withPatterns(Map.of("encoder.layer.1.attention.self.value", 4), Map.of()));
        Lora.Additive v1 = (Lora.Additive) set.byModule().get("encoder.layer.1.attention.self.value");
        Lora.Additive v0 = (Lora.Additive) set.byModule().get("encoder.layer.0.attention.self.value");
        assertEquals(4, v1.branch().rank());
        assertEquals(2, v0.branch().rank());
        assertEquals(1f, v1.branch().scale(), 0f);
    }

    @Test
    void clearErrorsForNoMatchAndOversizedRank() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("x", AdapterConfig.of("lora", 2, 4, TargetModules.of("q_proj"))));
        assertTrue(none.getMessage().contains("matched no Linear") && none.getMessage().contains("query"), none.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> model.addAdapter("y", AdapterConfig.of("lora", 9, 4, QV)));
        assertTrue(big.getMessage().contains("rank 9") && big.getMessage().contains("8×8"), big.getMessage());
        assertNull(model.activeAdapter());
    }
}
