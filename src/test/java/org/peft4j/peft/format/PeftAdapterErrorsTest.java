package org.peft4j.peft.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.StateDictMismatchException;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** What loading refuses, and how: every mismatch at once, files and fields named, the model left as it was. */
class PeftAdapterErrorsTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TargetModules QV = TargetModules.of("query", "value");

    @TempDir Path dir;

    @AfterAll
    static void close() { ops.close(); }

    private static SequenceClassifier bert(int hidden, int layers, long seed) {
        return new SequenceClassifier(new BertEncoder(new BertConfig(13, hidden, layers, 2, 12, 10, 2, 1e-5f, 0f, 0f), seed), 3, seed + 1);
    }

    private void saveLora(AdapterConfig config) throws IOException {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 31));
        model.addAdapter("default", config);
        AdapterChecks.perturbTrainable(model, 5, 0.3f);
        PeftAdapterFormat.save(dir, model, "default", new SaveOptions(null, null));
    }

    @Test
    void aWrongBaseListsEveryMissingUnexpectedAndMisshapenKeyAndLeavesTheModelAlone() throws IOException {
        saveLora(AdapterConfig.of("lora", 2, 4, QV).withModulesToSave("classifier"));
        Path weights = dir.resolve(PeftAdapterFormat.WEIGHTS_NAME);
        Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.read(weights).tensors());
        String extra = "base_model.model.encoder.layer.0.attention.self.key.lora_A.weight";
        tensors.put(extra, Tensor.uniform(1, 1f, 2, 8));
        Safetensors.write(weights, tensors, Map.of("format", "pt"), DType.F32);

        SequenceClassifier wider = bert(12, 3, 41);
        PeftModel model = new PeftModel(wider);
        float[] before = AdapterChecks.logits(ops, model, TinyModels.batch());
        var e = assertThrows(StateDictMismatchException.class, () -> PeftAdapterFormat.load(dir, model, "default"));

        Set<String> missing = new TreeSet<>(), misshapen = new TreeSet<>();
        for (String m : List.of("query", "value")) {
            for (String part : List.of("lora_A", "lora_B")) {
                missing.add("base_model.model.encoder.layer.2.attention.self." + m + "." + part + ".weight");
                for (int layer = 0; layer < 2; layer++) {
                    String key = "base_model.model.encoder.layer." + layer + ".attention.self." + m + "." + part + ".weight";
                    misshapen.add(key + (part.equals("lora_A") ? ": file [2, 8] vs model [2, 12]" : ": file [8, 2] vs model [12, 2]"));
                }
            }
        }
        misshapen.add("base_model.model.classifier.weight: file [3, 8] vs model [3, 12]");
        assertEquals(missing, new TreeSet<>(e.missing()));
        assertEquals(List.of(extra), e.unexpected());
        assertEquals(misshapen, new TreeSet<>(e.mismatched()));
        assertTrue(e.getMessage().contains("4 missing") && e.getMessage().contains("1 unexpected") && e.getMessage().contains("9 wrong shape"),
                e.getMessage());

        assertTrue(model.adapters().isEmpty(), "the half-loaded adapter is removed");
        assertTrue(model.parameters().stream().noneMatch(Parameter::trainable), "the head is frozen again");
        assertArrayEquals(before, AdapterChecks.logits(ops, model, TinyModels.batch()), 0f);
    }

    @Test
    void aFailedPissaLoadPutsTheBaseWeightsBack() throws IOException {
        saveLora(AdapterConfig.of("lora", 2, 4, QV).withInit("pissa"));
        PeftModel model = new PeftModel(bert(8, 3, 42));
        Tensor w = ((DenseWeight) model.linears().get("encoder.layer.0.attention.self.query").weight()).dense();
        float[] original = w.toArray();
        var e = assertThrows(StateDictMismatchException.class, () -> PeftAdapterFormat.load(dir, model, "default"));
        assertEquals(4, e.missing().size(), "layer 2's query and value factors");
        assertTrue(e.mismatched().isEmpty() && e.unexpected().isEmpty(), e.getMessage());
        assertArrayEquals(original, w.toArray(), 0f);
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        var noConfig = assertThrows(NoSuchFileException.class, () -> PeftAdapterFormat.load(dir, new PeftModel(TinyModels.bertClassifier(0f, 1)), "default"));
        assertTrue(noConfig.getMessage().contains(dir.resolve("adapter_config.json").toString()), noConfig.getMessage());

        saveLora(AdapterConfig.of("lora", 2, 4, QV));
        Files.delete(dir.resolve(PeftAdapterFormat.WEIGHTS_NAME));
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {1, 2, 3});
        var noWeights = assertThrows(NoSuchFileException.class, () -> PeftAdapterFormat.load(dir, new PeftModel(TinyModels.bertClassifier(0f, 1)), "default"));
        assertTrue(noWeights.getMessage().contains("adapter_model.safetensors") && noWeights.getMessage().contains("safe_serialization=True"),
                noWeights.getMessage());
    }

    private AdapterFormatException configError(String json) throws IOException {
        Files.writeString(dir.resolve(PeftAdapterFormat.CONFIG_NAME), json);
        var e = assertThrows(AdapterFormatException.class, () -> PeftAdapterFormat.readConfig(dir));
        assertEquals(dir.resolve(PeftAdapterFormat.CONFIG_NAME), e.file());
        return e;
    }

    private static final String TARGETS = "\"target_modules\": [\"query\"]";

    @Test
    void malformedAndUnreadableConfigsAreRefusedByFileAndField() throws IOException {
        assertTrue(configError("{\"peft_type\": \"LORA\", ").getMessage().contains("not valid JSON"));
        assertTrue(configError("[1, 2]").getMessage().contains("must hold a JSON object"));
        assertTrue(configError("{\"r\": 4}").getMessage().contains("\"peft_type\" is missing"));
        assertTrue(configError("{\"peft_type\": \"LORA\", \"r\": \"eight\", " + TARGETS + "}").getMessage()
                .contains("field \"r\" must be an integer, found \"eight\""));
        assertTrue(configError("{\"peft_type\": \"LORA\", \"r\": 0, " + TARGETS + "}").getMessage().contains("rank r must be ≥ 1"));
        assertTrue(configError("{\"peft_type\": \"LORA\", \"target_modules\": null}").getMessage().contains("target_modules"));
        assertTrue(configError("{\"peft_type\": \"LORA\", \"task_type\": \"SUMMARIZE\", " + TARGETS + "}").getMessage().contains("SUMMARIZE"));
    }

    @Test
    void unknownAndUnreadPeftTypesAreRefused() throws IOException {
        String unknown = configError("{\"peft_type\": \"FOO_BAR\", " + TARGETS + "}").getMessage();
        assertTrue(unknown.contains("unknown peft_type \"FOO_BAR\"") && unknown.contains("LORA"), unknown);
        String loha = configError("{\"peft_type\": \"LOHA\", " + TARGETS + "}").getMessage();
        assertTrue(loha.contains("\"LOHA\" is a PEFT method peft4j does not read"), loha);
    }

    @Test
    void peftFeaturesPeft4jLacksAreRefusedAndLaterReleasesSwitchedOffFieldsAccepted() throws IOException {
        String bias = configError("{\"peft_type\": \"LORA\", \"bias\": \"all\", " + TARGETS + "}").getMessage();
        assertTrue(bias.contains("\"bias\" = \"all\""), bias);
        assertTrue(configError("{\"peft_type\": \"LORA\", \"init_lora_weights\": \"olora\", " + TARGETS + "}").getMessage()
                .contains("init_lora_weights"));
        assertTrue(configError("{\"peft_type\": \"LORA\", \"use_qalora\": true, " + TARGETS + "}").getMessage().contains("QALoRA"));
        String later = configError("{\"peft_type\": \"LORA\", \"use_bdlora\": {\"blocks\": 4}, " + TARGETS + "}").getMessage();
        assertTrue(later.contains("\"use_bdlora\"") && later.contains("cannot honour"), later);

        // PEFT 0.20 writes these as null or false when unused
        Files.writeString(dir.resolve(PeftAdapterFormat.CONFIG_NAME), "{\"peft_type\": \"LORA\", \"peft_version\": \"0.20.0\","
                + " \"lora_ga_config\": null, \"velora_config\": null, \"monteclora_config\": null, \"use_bdlora\": null, " + TARGETS + "}");
        AdapterConfigFile file = PeftAdapterFormat.readConfig(dir);
        assertEquals(AdapterConfig.of("lora", 8, 8, TargetModules.of("query")), file.config(), "PEFT's defaults: r = 8, lora_alpha = 8");
        assertEquals("0.20.0", file.peftVersion());
    }

    @Test
    void aNonFloatTensorIsRefusedByName() throws IOException {
        saveLora(AdapterConfig.of("lora", 2, 4, QV));
        String header = "{\"base_model.model.encoder.layer.0.attention.self.query.lora_A.weight\":"
                + "{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json).putLong(3).putLong(4);
        Path weights = dir.resolve(PeftAdapterFormat.WEIGHTS_NAME);
        Files.write(weights, file.array());
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 1));
        var e = assertThrows(AdapterFormatException.class, () -> PeftAdapterFormat.load(dir, model, "default"));
        assertEquals(weights, e.file());
        assertTrue(e.getMessage().contains("query.lora_A.weight\" has dtype I64"), e.getMessage());
        assertTrue(model.adapters().isEmpty());
    }

    @Test
    void savingRefusesWhatPeftCannotExpress() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 1));
        model.addAdapter("default", AdapterConfig.of("lora", 2, 4, TargetModules.everyLinear().inLayers(0)));
        var layers = assertThrows(IllegalArgumentException.class, () -> PeftAdapterFormat.save(dir, model, "default", new SaveOptions(null, null)));
        assertTrue(layers.getMessage().contains("layers_to_transform"), layers.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> PeftAdapterFormat.save(dir, model, "other", new SaveOptions(null, null)));
        assertTrue(missing.getMessage().contains("'other'"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SaveOptions("SUMMARIZE", null));
        assertFalse(Files.exists(dir.resolve(PeftAdapterFormat.CONFIG_NAME)), "nothing written");
    }
}
