package org.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.Plan;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.nn.lowrank.WeightSpec;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck;
import org.peft4j.testing.GradientCheck.Probe;
import org.peft4j.testing.GradientCheck.Settings;

/** Whole-model gradient checks on tiny configurations of both families, and plan replay. */
class ModelGradientTest {
    private static final JvmBackend ops = new JvmBackend(1);

    @AfterAll
    static void close() { ops.close(); }

    static BertConfig tinyBert(float dropout) {
        return new BertConfig(13, 8, 2, 2, 12, 10, 2, 1e-5f, dropout, dropout);
    }

    static TokenBatch classificationBatch() {
        int[] ids = {2, 5, 7, 1, 0, 0, 3, 9, 12, 11, 4, 6, 8, 8, 2, 0, 0, 0};
        int[] mask = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
        int[] types = {0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        return new TokenBatch(new IntTensor(ids, new int[] {3, 6}), new IntTensor(mask, new int[] {3, 6}),
                new IntTensor(types, new int[] {3, 6}), new IntTensor(new int[] {1, 0, 2}, new int[] {3}));
    }

    static TokenBatch lmBatch(int vocab, int b, int s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = rng.ints(b * s, 0, vocab).toArray();
        int[] targets = new int[b * s];
        for (int i = 0; i < b * s; i++) targets[i] = (i % s == s - 1) ? CrossEntropyLoss.IGNORE_INDEX : ids[i + 1];
        return new TokenBatch(new IntTensor(ids, new int[] {b, s}), null, null, new IntTensor(targets, new int[] {b, s}));
    }

    @Test
    void bertClassifierGradientsWithPaddingAndDropout() {
        SequenceClassifier model = new SequenceClassifier(new BertEncoder(tinyBert(0.1f), 7), 3, 8);
        model.dropoutSites().setStep(4);
        checkModel(model, classificationBatch());
    }

    @Test
    void gptLanguageModelGradientsWithTiedWeights() {
        GptConfig config = new GptConfig(11, 8, 2, 2, 8, 0.1f, true, 1e-5f);
        CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(config, 3));
        model.dropoutSites().setStep(2);
        checkModel(model, lmBatch(11, 2, 5, 9));
    }

    @Test
    void gptUntiedHasSeparateHead() {
        GptConfig config = new GptConfig(11, 8, 1, 2, 8, 0f, false, 1e-5f);
        CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(config, 3));
        assertTrue(model.parameters().stream().anyMatch(p -> p.name().equals("lm_head.weight")));
        checkModel(model, lmBatch(11, 2, 4, 10));
    }

    @Test
    void gptWithLowRankSltrainAndLostWeightsInEveryBlockLinear() {
        for (String kind : List.of("lowrank", "sltrain", "lost")) {
            GptConfig config = new GptConfig(11, 8, 2, 2, 8, 0.1f, true, 1e-5f, new WeightSpec(kind, 2, 0.2, 1, 0.5));
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(config, 3));
            List<String> names = model.parameters().stream().map(Parameter::name).toList();
            assertTrue(names.contains("transformer.h.1.mlp.c_fc.low_rank_A") && !names.contains("transformer.h.1.mlp.c_fc.weight"),
                    kind + ": " + names);
            assertEquals(!kind.equals("lowrank"), names.contains("transformer.h.0.attn.c_proj.sparse_values"), kind + ": " + names);
            model.dropoutSites().setStep(2);
            checkModel(model, lmBatch(11, 2, 5, 9));
        }
    }

    @Test
    void bertParameterNamesFollowHuggingFace() {
        List<String> names = new BertEncoder(tinyBert(0f), 1).parameters().stream().map(Parameter::name).toList();
        for (String expected : List.of("embeddings.word_embeddings.weight", "embeddings.LayerNorm.bias",
                "encoder.layer.1.attention.self.query.weight", "encoder.layer.0.attention.output.dense.bias",
                "encoder.layer.0.attention.output.LayerNorm.weight", "encoder.layer.1.intermediate.dense.weight",
                "encoder.layer.1.output.dense.weight", "encoder.layer.1.output.LayerNorm.bias")) {
            assertTrue(names.contains(expected), expected + " missing from " + names);
        }
        assertEquals(names.size(), new java.util.HashSet<>(names).size(), "names are unique");
    }

    @Test
    void recordedPlanReplaysToTheEagerLossAndGradients() {
        SequenceClassifier model = new SequenceClassifier(new BertEncoder(tinyBert(0.1f), 7), 3, 8);
        model.dropoutSites().setStep(1);
        assertPlanReplaysEagerStep(model, classificationBatch(), "encoder.layer.1/backward");
    }

    @Test
    void sparsePlusLowRankDecoderReplaysItsPlanBitForBit() {
        // the layers share one materialisation scratch, which a recorded plan must rewrite before each use
        for (String kind : List.of("sltrain", "lost")) {
            GptConfig config = new GptConfig(11, 8, 2, 2, 8, 0.1f, true, 1e-5f, new WeightSpec(kind, 2, 0.2, 1, 0.5));
            CausalLanguageModel model = new CausalLanguageModel(new GptDecoder(config, 3));
            model.dropoutSites().setStep(1);
            assertPlanReplaysEagerStep(model, lmBatch(11, 2, 5, 9), "transformer.h.1/backward");
        }
    }

    private static void assertPlanReplaysEagerStep(TrainableModel model, TokenBatch batch, String expectedStage) {
        float eagerLoss = step(model, batch);
        float[][] eagerGrads = grads(model);

        TokenBatch staging = batch.emptyLike();
        Tensor[] loss = new Tensor[1];
        Plan plan = Plan.record(rec -> {
            model.forward(rec, staging, true);
            loss[0] = model.loss(rec, staging);
            model.backward(rec, true);
        });
        assertTrue(plan.stages().contains(expectedStage), plan.stages().toString());
        staging.copyFrom(batch);
        model.parameters().forEach(Parameter::zeroGrad);
        plan.run(ops);
        assertEquals(eagerLoss, loss[0].at(0), 0f, "bitwise equal loss");
        float[][] replayGrads = grads(model);
        for (int i = 0; i < eagerGrads.length; i++) assertArrayEquals(eagerGrads[i], replayGrads[i], 0f);
    }

    private static float step(TrainableModel model, TokenBatch batch) {
        model.parameters().forEach(Parameter::zeroGrad);
        model.forward(ops, batch, true);
        float loss = model.loss(ops, batch).at(0);
        model.backward(ops, true);
        return loss;
    }

    private static float[][] grads(TrainableModel model) {
        return model.parameters().stream().filter(Parameter::trainable).map(p -> p.grad().toArray()).toArray(float[][]::new);
    }

    private static void checkModel(TrainableModel model, TokenBatch batch) {
        long seed = 500;
        for (Parameter p : model.parameters()) {
            Tensor noise = Tensor.uniform(seed++, 0.2f, p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().put(i, p.value().at(i) + noise.at(i));
        }
        List<Probe> probes = model.parameters().stream().filter(Parameter::trainable).map(Probe::of).toList();
        GradientCheck.check(() -> {
            model.forward(ops, batch, true);
            return model.loss(ops, batch).at(0);
        }, () -> step(model, batch), probes, new Settings(1e-2, 3e-2, 3e-4, 6, 77));
    }
}
