package org.peft4j.nn.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.Plan;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.StateDictMismatchException;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** Building encoders from checkpoints (strict loading, pooler left out) and frozen encoders. */
class PretrainedBertEncoderTest {
    private static final BertConfig TINY = new BertConfig(17, 12, 2, 3, 20, 9, 2, 1e-12f, 0.1f, 0.1f);
    private static final JvmBackend ops = new JvmBackend(1);

    @AfterAll
    static void close() { ops.close(); }

    /** A checkpoint with random weights unlike any seed's initialisation, plus a pooler. */
    private static BertCheckpoint randomCheckpoint(long seed) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>(BertCheckpoint.expectedShapes(TINY));
        shapes.putAll(BertCheckpoint.poolerShapes(TINY));
        for (var e : shapes.entrySet()) weights.put(e.getKey(), Tensor.uniform(seed++, 1f, e.getValue()).named(e.getKey()));
        return new BertCheckpoint(TINY, weights);
    }

    private static TokenBatch batch() {
        int[] ids = {2, 16, 7, 1, 0, 3, 9, 12, 11, 4};
        int[] mask = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        int[] shape = {2, 5};
        return new TokenBatch(new IntTensor(ids, shape), new IntTensor(mask, shape), null, new IntTensor(new int[] {1, 0}, new int[] {2}));
    }

    @Test
    void expectedShapesAreExactlyTheEncodersParameters() {
        Map<String, int[]> expected = BertCheckpoint.expectedShapes(TINY);
        List<Parameter> parameters = new BertEncoder(TINY, 3).parameters();
        assertEquals(List.copyOf(expected.keySet()), parameters.stream().map(Parameter::name).toList());
        for (Parameter p : parameters) assertArrayEquals(expected.get(p.name()), p.value().shape(), p.name());
    }

    @Test
    void pretrainedHoldsEveryCheckpointWeightAndLeavesOutThePooler() {
        BertCheckpoint checkpoint = randomCheckpoint(100);
        BertEncoder encoder = BertEncoder.pretrained(checkpoint, 5, true);
        Map<String, Tensor> loaded = StateDict.of(encoder.parameters());
        assertEquals(checkpoint.weights().size() - 2, loaded.size());
        assertEquals(checkpoint.encoderWeights().keySet(), loaded.keySet());
        loaded.forEach((name, t) -> assertArrayEquals(checkpoint.weights().get(name).toArray(), t.toArray(), 0f, name));
        assertTrue(encoder.parameters().stream().allMatch(Parameter::trainable));
        assertEquals(TINY, encoder.config());
    }

    @Test
    void pretrainedRejectsMissingMisshapenAndUnexpectedWeightsAtOnce() {
        Map<String, Tensor> weights = new LinkedHashMap<>(randomCheckpoint(200).weights());
        weights.remove("encoder.layer.1.output.LayerNorm.bias");
        weights.put("encoder.layer.0.attention.self.key.bias", Tensor.uniform(1, 1f, 5));
        weights.put("classifier.weight", Tensor.uniform(2, 1f, 2, 12));
        var e = assertThrows(StateDictMismatchException.class, () -> BertEncoder.pretrained(new BertCheckpoint(TINY, weights), 1, false));
        assertEquals(List.of("encoder.layer.1.output.LayerNorm.bias"), e.missing());
        assertEquals(List.of("classifier.weight"), e.unexpected());
        assertEquals(List.of("encoder.layer.0.attention.self.key.bias: file [5] vs model [12]"), e.mismatched());
    }

    @Test
    void frozenEncoderHasNoGradientsAndSameOutputs() {
        BertCheckpoint checkpoint = randomCheckpoint(300);
        BertEncoder trainable = BertEncoder.pretrained(checkpoint, 5, true);
        BertEncoder frozen = BertEncoder.pretrained(checkpoint, 5, false);
        assertTrue(trainable.hasTrainableParameters());
        assertFalse(frozen.hasTrainableParameters());
        assertTrue(frozen.parameters().stream().allMatch(p -> p.grad() == null));
        float[] a = trainable.forward(ops, batch(), false).toArray(), b = frozen.forward(ops, batch(), false).toArray();
        assertArrayEquals(a, b, 0f);
    }

    @Test
    void frozenEncoderRecordsNoEncoderBackwardAndTheSameHeadGradient() {
        BertCheckpoint checkpoint = randomCheckpoint(400);
        SequenceClassifier full = new SequenceClassifier(BertEncoder.pretrained(checkpoint, 5, true), 2, 8);
        SequenceClassifier probe = new SequenceClassifier(BertEncoder.pretrained(checkpoint, 5, false), 2, 8);
        List<Parameter> trainable = probe.parameters().stream().filter(Parameter::trainable).toList();
        assertEquals(List.of("classifier.weight", "classifier.bias"), trainable.stream().map(Parameter::name).toList());

        Plan frozenPlan = trainingPlan(probe, batch());
        assertTrue(frozenPlan.stages().stream().noneMatch(s -> s.startsWith("encoder.") && s.endsWith("/backward")
                || s.startsWith("embeddings/backward")), frozenPlan.stages().toString());
        assertTrue(trainingPlan(full, batch()).stages().contains("embeddings/backward"));

        for (SequenceClassifier m : List.of(full, probe)) {
            m.dropoutSites().setStep(3);
            m.parameters().forEach(Parameter::zeroGrad);
            m.forward(ops, batch(), true);
            m.loss(ops, batch());
            m.backward(ops, true);
        }
        assertArrayEquals(full.classifier().weight().dense().toArray(), probe.classifier().weight().dense().toArray(), 0f);
        for (String name : List.of("classifier.weight", "classifier.bias")) {
            float[] expected = grad(full, name), got = grad(probe, name);
            assertTrue(maxAbs(got) > 0, name + " gradient is zero");
            assertArrayEquals(expected, got, 0f, name);
        }
    }

    @Test
    void setTrainableDropsAndReallocatesGradientsKeepingValues() {
        var linear = org.peft4j.nn.Linear.normal("fc", 5, 3, 0.5f, true, 9);
        float[] weights = linear.weight().dense().toArray();
        linear.setTrainable(false);
        assertTrue(linear.parameters().stream().noneMatch(Parameter::trainable));
        assertArrayEquals(weights, linear.weight().dense().toArray(), 0f);
        linear.setTrainable(true);
        assertTrue(linear.parameters().stream().allMatch(p -> p.trainable() && p.grad().sameShape(p.value())));
        var norm = org.peft4j.nn.LayerNorm.create("ln", 4, 1e-5f);
        norm.setTrainable(false);
        assertTrue(norm.parameters().stream().allMatch(p -> p.grad() == null));
    }

    private static Plan trainingPlan(SequenceClassifier model, TokenBatch batch) {
        return Plan.record(rec -> {
            model.forward(rec, batch, true);
            model.loss(rec, batch);
            model.backward(rec, true);
        });
    }

    private static float[] grad(SequenceClassifier model, String name) {
        return model.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().grad().toArray();
    }

    private static float maxAbs(float[] values) {
        float m = 0;
        for (float v : values) m = Math.max(m, Math.abs(v));
        return m;
    }
}
