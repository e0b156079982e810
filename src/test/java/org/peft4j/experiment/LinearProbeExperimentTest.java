package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.data.DataDirectory;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.model.BertCheckpointFiles;
import org.peft4j.model.PretrainedBert;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.train.ClassificationBatches;
import org.peft4j.train.Evaluator;

/**
 * The whole linear probe on the fetched SpamAssassin corpus ({@code scripts/fetch-data spam}),
 * with a small random encoder of MiniLM's vocabulary so that it runs in seconds.
 */
class LinearProbeExperimentTest {
    private static final BertConfig SMALL = new BertConfig(30522, 8, 1, 2, 16, 32, 2, 1e-12f, 0.1f, 0.1f);

    @Test
    void trainsTheHeadOnCachedFeaturesAndTheSavedHeadScoresTheSameOnTheWholeModel(@TempDir Path dir) throws IOException {
        Path modelFile = dir.resolve("small.safetensors");
        BertCheckpointFiles.write(modelFile, new BertCheckpoint(SMALL, StateDict.of(new BertEncoder(SMALL, 99).parameters())));
        Path run = dir.resolve("run");
        var settings = new LinearProbeExperiment.Settings(modelFile, 16, 8, 2, 1e-2, 0.01, 7, "jvm", 1, 24, run);
        PretrainedBert pretrained = PretrainedBert.load(modelFile);
        var data = TextClassificationData.spamAssassin(DataDirectory.resolve(), pretrained.tokenizer().withMaxLength(16), 7, 24);
        List<String> log = new ArrayList<>();
        LinearProbeExperiment.Report r = LinearProbeExperiment.run(settings, pretrained, data, System.nanoTime(), log::add);

        assertEquals(List.of(24, 24, 24), List.of(r.trainExamples(), r.validationExamples(), r.testExamples()));
        assertEquals(8 * 2 + 2, r.trainableParameters());
        assertEquals(BertCheckpoint.expectedShapes(SMALL).values().stream().mapToLong(s -> (long) s[0] * (s.length > 1 ? s[1] : 1)).sum() + 18,
                r.totalParameters());
        assertEquals(2, r.validationAccuracyPerEpoch().size());
        assertEquals(r.validationAccuracyPerEpoch().getLast(), r.validationAccuracy());
        assertTrue(r.testAccuracy() >= 0 && r.testAccuracy() <= 1 && r.majorityTestAccuracy() > 0.5, r.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("features: 72/72 (100%)")), log.toString());
        assertEquals(2 * 3, Files.readAllLines(run.resolve("metrics.jsonl")).size(), "one metrics line per step");

        SafetensorsFile head = Safetensors.read(run.resolve("classifier.safetensors"));
        assertEquals(modelFile.toString(), head.metadata().get("model"));
        assertArrayEquals(new int[] {2, 8}, head.tensor("classifier.weight").shape());

        // The saved head on the whole frozen-encoder model, run end to end on the test mails, scores the reported accuracy.
        SequenceClassifier model = new SequenceClassifier(pretrained.encoder(7, false), 2, 123);
        StateDict.load(model.parameters().stream().filter(Parameter::trainable).toList(), head.tensors(), false);
        try (JvmBackend ops = new JvmBackend(1)) {
            Map<String, Double> eval = new Evaluator(ClassificationBatches.inOrder(data.test(), 5, 1, 0), true).evaluate(ops, model);
            assertEquals(r.testAccuracy(), eval.get("eval_accuracy"), 1e-12);
        }
    }

    @Test
    void settingsRejectNonsense() {
        Path out = Path.of("runs/x");
        assertThrows(IllegalArgumentException.class, () -> new LinearProbeExperiment.Settings(null, 1, 8, 1, 1e-3, 0, 1, "jvm", 1, 0, out));
        assertThrows(IllegalArgumentException.class, () -> new LinearProbeExperiment.Settings(null, 16, 0, 1, 1e-3, 0, 1, "jvm", 1, 0, out));
        assertThrows(IllegalArgumentException.class, () -> new LinearProbeExperiment.Settings(null, 16, 8, 0, 1e-3, 0, 1, "jvm", 1, 0, out));
        assertThrows(IllegalArgumentException.class, () -> new LinearProbeExperiment.Settings(null, 16, 8, 1, 0, 0, 1, "jvm", 1, 0, out));
        assertThrows(IllegalArgumentException.class, () -> new LinearProbeExperiment.Settings(null, 16, 8, 1, 1e-3, 0, 1, "jvm", 1, -1, out));
    }
}
