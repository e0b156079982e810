package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.QuantizedMergeException;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** QLoRA on the tiny BERT: a quantized frozen base under fp32 LoRA, and merging into it. */
class QuantizedBaseTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();

    @AfterAll
    static void close() { ops.close(); }

    private static PeftModel qlora(QuantizationFormat format, long seed) {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("lora", 2, 4, TargetModules.of("query", "value"))
                .withModulesToSave("classifier").withDropout(0.1f), seed);
        QuantizedBase.Summary summary = QuantizedBase.quantize(model.linears(), format);
        assertEquals(2 * 6, summary.layers(), "every encoder Linear of the 2-layer BERT, not the trainable head");
        assertInstanceOf(DenseWeight.class, model.linears().get("classifier").weight());
        return model;
    }

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void loraGradientsFlowThroughTheQuantizedBase(QuantizationFormat format) {
        PeftModel model = qlora(format, 4);
        AdapterChecks.gradientCheck(ops, model, batch);
        AdapterChecks.planReplaysTheStep(ops, model, batch, 8);
    }

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void quantizingChangesOnlyTheBaseWeightsAndCountsTheirBytes(QuantizationFormat format) {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("lora", 2, 4, TargetModules.of("query", "value")).withModulesToSave("classifier"), 5);
        Map<String, Tensor> dense = new LinkedHashMap<>();
        model.linears().forEach((name, l) -> dense.put(name, ((DenseWeight) l.weight()).dense()));
        QuantizedBase.Summary summary = QuantizedBase.quantize(model.linears(), format);
        long before = 0, after = 0;
        for (var e : model.linears().entrySet()) {
            if (e.getKey().equals("classifier")) continue;
            QuantizedWeight q = assertInstanceOf(QuantizedWeight.class, e.getValue().weight());
            Tensor expected = QuantizedWeight.quantize(e.getKey(), dense.get(e.getKey()), format).dense();
            assertArrayEquals(expected.toArray(), q.dense().toArray(), 0f, e.getKey());
            before += 4L * dense.get(e.getKey()).size();
            after += q.storageBytes();
        }
        assertEquals(before, summary.denseBytes());
        assertEquals(after, summary.quantizedBytes());
        assertTrue(summary.compression() > 1, "quantized weights are smaller");
    }

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void mergingIntoAQuantizedBaseIsRefusedWithTheRoundingErrorUnlessAskedToRequantize(QuantizationFormat format) {
        PeftModel model = qlora(format, 6);
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        Map<String, WeightParameterization> original = new LinkedHashMap<>();
        model.linears().forEach((name, l) -> original.put(name, l.weight()));

        QuantizedMergeException refused = assertThrows(QuantizedMergeException.class, model::merge);
        assertTrue(refused.getMessage().contains("re-quantize") && refused.getMessage().contains("Keep the adapter separate"), refused.getMessage());
        assertEquals(4, refused.rounding().size(), "query and value of two layers");
        original.forEach((name, w) -> assertSame(w, model.linears().get(name).weight(), name + " untouched by the refused merge"));
        assertArrayEquals(adapted, AdapterChecks.logits(ops, model, batch), 0f, "the adapter still runs");

        model.merge(true);
        refused.rounding().forEach((module, r) -> {
            QuantizedWeight before = (QuantizedWeight) original.get(module), merged = (QuantizedWeight) model.linears().get(module).weight();
            Tensor delta = model.adapters().get("default").byModule().get(module).deltaWeight(before.dense());
            Tensor target = before.dense();
            for (int i = 0; i < target.size(); i++) target.put(i, target.at(i) + delta.at(i));
            float[] deq = merged.dense().toArray();
            double max = 0, absmax = 0;
            for (int i = 0; i < deq.length; i++) max = Math.max(max, Math.abs(deq[i] - target.at(i)));
            for (int i = 0; i < merged.absmax().size(); i++) absmax = Math.max(absmax, merged.absmax().at(i));
            assertEquals(r.maxAbsError(), max, 1e-7, module + ": the reported error is Q(Ŵ + ΔW) − (Ŵ + ΔW)");
            assertTrue(max <= format.halfStep() * absmax * (1 + 1e-5), module + ": within half a step");
            assertTrue(r.maxAbsDelta() > 0 && r.meanAbsError() > 0, module + ": a real update and a real rounding");
        });
        assertTrue(model.linears().values().stream().allMatch(l -> l.adapters().isEmpty()), "merged adapters no longer run");

        model.unmerge();
        original.forEach((name, w) -> assertSame(w, model.linears().get(name).weight(), name + " restored exactly"));
        assertArrayEquals(adapted, AdapterChecks.logits(ops, model, batch), 0f, "unmerged forward");
    }

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void aBaseWithNothingFrozenIsRejected(QuantizationFormat format) {
        var untouched = TinyModels.bertClassifier(0f, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> QuantizedBase.quantize(untouched.linears(), format));
        assertTrue(e.getMessage().contains("no frozen dense Linear"), e.getMessage());
        assertTrue(untouched.linears().values().stream().map(Linear::weight).allMatch(DenseWeight.class::isInstance));
    }
}
