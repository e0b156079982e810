package org.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.train.ClassificationBatches;
import org.peft4j.train.ClassificationBatches.Example;

/** The head on cached features computes what the whole frozen-encoder classifier computes. */
class LinearProbeTest {
    private static final JvmBackend ops = new JvmBackend(1);

    @AfterAll
    static void close() { ops.close(); }

    private static BertConfig tiny(float dropout) {
        return new BertConfig(31, 12, 2, 3, 20, 16, 2, 1e-12f, dropout, dropout);
    }

    /** Random sequences of lengths 1..11 with labels 0..2. */
    private static List<Example> examples(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> new Example(rng.ints(1 + rng.nextInt(11), 1, 31).toArray(), rng.nextInt(3))).toList();
    }

    /** Mean-pooled features of each example alone (no padding), as rows of [n, hidden]. */
    private static Tensor features(BertEncoder encoder, List<Example> examples) {
        int h = encoder.config().hiddenSize();
        Tensor out = Tensor.zeros(examples.size(), h);
        for (int i = 0; i < examples.size(); i++) {
            int[] ids = examples.get(i).ids();
            int[] ones = new int[ids.length];
            java.util.Arrays.fill(ones, 1);
            IntTensor mask = new IntTensor(ones, new int[] {1, ids.length});
            Tensor hidden = encoder.forward(ops, new TokenBatch(new IntTensor(ids, new int[] {1, ids.length}), mask, null, null), false);
            ops.meanPool(hidden.reshape(1, ids.length, h), mask, out.rows(i, i + 1));
        }
        return out;
    }

    private static List<Example> indices(List<Example> examples) {
        List<Example> out = new java.util.ArrayList<>();
        for (int i = 0; i < examples.size(); i++) out.add(new Example(new int[] {i}, examples.get(i).label()));
        return out;
    }

    @Test
    void logitsLossAndHeadGradientsEqualTheFrozenClassifiers() {
        SequenceClassifier model = new SequenceClassifier(BertEncoder.random(tiny(0f), 4, false), 3, 5);
        List<Example> examples = examples(9, 11);
        LinearProbe probe = LinearProbe.of(model, features(model.encoder(), examples), 6);
        assertEquals(model.parameters().stream().filter(Parameter::trainable).toList(), probe.parameters());

        TokenBatch full = ClassificationBatches.pack(examples, 1, 0);
        TokenBatch rows = ClassificationBatches.pack(indices(examples), 1, 0);
        for (boolean training : new boolean[] {false, true}) {
            model.parameters().forEach(Parameter::zeroGrad);
            float[] expected = model.forward(ops, full, training).toArray();
            float expectedLoss = model.loss(ops, full).at(0);
            model.backward(ops, training);
            float[][] expectedGrads = {model.classifier().weight().parameters().getFirst().grad().toArray(),
                    model.classifier().bias().grad().toArray()};

            probe.parameters().forEach(Parameter::zeroGrad);
            float[] got = probe.forward(ops, rows, training).toArray();
            float gotLoss = probe.loss(ops, rows).at(0);
            probe.backward(ops, training);
            assertArrayEquals(expected, got, 1e-5f, "logits, training " + training);
            assertEquals(expectedLoss, gotLoss, 1e-5f);
            assertArrayEquals(expectedGrads[0], probe.classifier().weight().parameters().getFirst().grad().toArray(), 1e-5f);
            assertArrayEquals(expectedGrads[1], probe.classifier().bias().grad().toArray(), 1e-5f);
            assertTrue(Math.abs(expectedGrads[0][0]) > 0);
        }
    }

    @Test
    void dropoutActsOnTheFeaturesInTrainingOnly() {
        SequenceClassifier model = new SequenceClassifier(BertEncoder.random(tiny(0.5f), 4, false), 3, 5);
        List<Example> examples = examples(6, 12);
        LinearProbe probe = LinearProbe.of(model, features(model.encoder(), examples), 6);
        TokenBatch rows = ClassificationBatches.pack(indices(examples), 1, 0);
        float[] eval = probe.forward(ops, rows, false).toArray(), again = probe.forward(ops, rows, false).toArray();
        assertArrayEquals(eval, again, 0f);
        probe.dropoutSites().setStep(1);
        float[] step1 = probe.forward(ops, rows, true).toArray();
        probe.dropoutSites().setStep(2);
        float[] step2 = probe.forward(ops, rows, true).toArray();
        assertTrue(maxDiff(eval, step1) > 1e-4 && maxDiff(step1, step2) > 1e-4, "masks must change the logits");
    }

    @Test
    void rejectsFeaturesOfTheWrongWidthAndBatchesOfSequences() {
        Linear head = Linear.normal("classifier", 12, 2, 0.02f, true, 1);
        assertThrows(IllegalArgumentException.class, () -> new LinearProbe(Tensor.zeros(4, 11), head, 0f, 1));
        LinearProbe probe = new LinearProbe(Tensor.uniform(2, 1f, 4, 12), head, 0f, 1);
        TokenBatch sequences = new TokenBatch(IntTensor.zeros(2, 3), null, null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> probe.forward(ops, sequences, false));
        assertTrue(e.getMessage().startsWith("probe batches hold one example index per row"), e.getMessage());
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
