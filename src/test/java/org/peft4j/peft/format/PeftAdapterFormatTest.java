package org.peft4j.peft.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.io.SafetensorsHeader;
import org.peft4j.io.TensorInfo;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.peft.Adapter;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.Lora;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** Round trips through the PEFT directory format, its exact layout, and a directory written as PEFT writes it. */
class PeftAdapterFormatTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TargetModules QV = TargetModules.of("query", "value");
    private static final SaveOptions MINILM = SaveOptions.featureExtraction("sentence-transformers/all-MiniLM-L6-v2");

    @TempDir Path dir;

    @BeforeAll
    static void registerTestMethod() { SharedALora.register(); }

    @AfterAll
    static void close() { ops.close(); }

    /** A tiny BERT with {@code config} as adapter "default", trainable values moved off their init. */
    private static PeftModel trained(AdapterConfig config, long baseSeed) {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, baseSeed));
        model.addAdapter("default", config);
        AdapterChecks.perturbTrainable(model, baseSeed * 17, 0.4f);
        return model;
    }

    /** Saves adapter "default", loads it into a fresh copy of the same base, and checks logits and tensors match exactly. */
    private PeftModel.AdapterSet roundTrip(PeftModel original, long baseSeed) throws IOException {
        float[] expected = AdapterChecks.logits(ops, original, batch);
        float[] base = AdapterChecks.logits(ops, TinyModels.bertClassifier(0f, baseSeed), batch);
        assertFalse(Arrays.equals(expected, base), "the adapter changes the logits, so a lost tensor would show");
        PeftAdapterFormat.save(dir, original, "default", MINILM);

        PeftModel fresh = new PeftModel(TinyModels.bertClassifier(0f, baseSeed));
        PeftModel.AdapterSet loaded = PeftAdapterFormat.load(dir, fresh, "default");
        assertArrayEquals(expected, AdapterChecks.logits(ops, fresh, batch), 0f);
        PeftModel.AdapterSet saved = original.adapters().get("default");
        assertEquals(saved.byModule().keySet(), loaded.byModule().keySet());
        saved.byModule().forEach((module, adapter) -> adapter.peftTensors().forEach((key, t) -> assertArrayEquals(
                t.toArray(), loaded.byModule().get(module).peftTensors().get(key).toArray(), 0f, module + "." + key)));
        return loaded;
    }

    @Test
    void loraRoundTripRestoresTensorsLogitsAndConfig() throws IOException {
        AdapterConfig config = AdapterConfig.of("lora", 3, 6, TargetModules.of("query", "value", "output.dense").inLayers(1))
                .withDropout(0.1f);
        AdapterConfig loaded = roundTrip(trained(config, 11), 11).config();
        assertEquals(config, loaded);
    }

    @Test
    void rsloraModulesToSaveAndPatternsRoundTrip() throws IOException {
        String value1 = "encoder.layer.1.attention.self.value";
        AdapterConfig config = AdapterConfig.of("lora", 2, 5, TargetModules.everyLinear().excluding("intermediate.dense"))
                .withRslora(true).withModulesToSave("classifier").withPatterns(Map.of(value1, 4), Map.of(value1, 3.5f));
        PeftModel original = trained(config, 12);
        PeftModel.AdapterSet loaded = roundTrip(original, 12);
        assertEquals(config, loaded.config());
        assertEquals((float) (3.5 / Math.sqrt(4)), ((Lora.Additive) loaded.byModule().get(value1)).branch().scale(), 0f);

        SafetensorsFile file = Safetensors.read(dir.resolve(PeftAdapterFormat.WEIGHTS_NAME));
        Parameter head = original.modulesToSave("classifier").getFirst();
        assertArrayEquals(head.value().toArray(), file.tensor("base_model.model." + head.name()).toArray(), 0f);
        assertTrue(file.tensors().containsKey("base_model.model.classifier.bias"));
        assertTrue(file.tensors().keySet().stream().noneMatch(k -> k.contains("modules_to_save")), "PEFT saves without the wrapper infix");
    }

    /** PEFT 0.18.0's LoraConfig.to_dict() keys without runtime_config, plus PeftConfig's. */
    private static final Set<String> PEFT_0_18_LORA_FIELDS = Set.of("alora_invocation_tokens", "alpha_pattern", "arrow_config",
            "auto_mapping", "base_model_name_or_path", "bias", "corda_config", "ensure_weight_tying", "eva_config",
            "exclude_modules", "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern",
            "layers_to_transform", "loftq_config", "lora_alpha", "lora_bias", "lora_dropout", "megatron_config", "megatron_core",
            "modules_to_save", "peft_type", "peft_version", "qalora_group_size", "r", "rank_pattern", "revision",
            "target_modules", "target_parameters", "task_type", "trainable_token_indices", "use_dora", "use_qalora", "use_rslora");

    @Test
    void writesPeftsConfigFieldsAndTensorKeys() throws IOException {
        PeftModel model = trained(AdapterConfig.of("lora", 2, 16, QV), 13);
        PeftAdapterFormat.save(dir, model, "default", MINILM);

        String text = Files.readString(dir.resolve(PeftAdapterFormat.CONFIG_NAME));
        JsonNode json = JSON.readTree(text);
        Set<String> fields = new TreeSet<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(new TreeSet<>(PEFT_0_18_LORA_FIELDS), fields);
        assertEquals(List.copyOf(fields), fieldOrder(json), "keys sorted, as json.dumps(sort_keys=True)");
        assertEquals("LORA", json.get("peft_type").textValue());
        assertEquals("FEATURE_EXTRACTION", json.get("task_type").textValue());
        assertEquals("sentence-transformers/all-MiniLM-L6-v2", json.get("base_model_name_or_path").textValue());
        assertEquals("0.18.0", json.get("peft_version").textValue());
        assertTrue(json.get("revision").isNull() && json.get("auto_mapping").isNull() && json.get("modules_to_save").isNull());
        assertTrue(json.get("inference_mode").booleanValue());
        assertTrue(json.get("init_lora_weights").booleanValue());
        assertFalse(json.get("use_dora").booleanValue() || json.get("use_rslora").booleanValue());
        assertTrue(json.get("r").isInt() && json.get("r").intValue() == 2);
        assertTrue(json.get("lora_alpha").isInt() && json.get("lora_alpha").intValue() == 16, "PEFT declares lora_alpha an int");
        assertEquals(0.0, json.get("lora_dropout").doubleValue(), 0.0);
        assertEquals("none", json.get("bias").textValue());
        assertEquals("megatron.core", json.get("megatron_core").textValue());
        assertEquals(16, json.get("qalora_group_size").intValue());
        assertTrue(json.get("loftq_config").isObject() && json.get("loftq_config").isEmpty());
        assertTrue(text.startsWith("{\n  \"alora_invocation_tokens\": null,\n  \"alpha_pattern\": {},\n"), text);
        assertTrue(text.contains("\n  \"target_modules\": [\n    \"query\",\n    \"value\"\n  ],\n"), text);
        assertTrue(text.endsWith("\n  \"use_rslora\": false\n}"), text);

        Path weights = dir.resolve(PeftAdapterFormat.WEIGHTS_NAME);
        SafetensorsHeader header = Safetensors.readHeader(weights);
        assertEquals(Map.of("format", "pt"), header.metadata());
        Set<String> keys = new TreeSet<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String m : List.of("query", "value")) {
                for (String part : List.of("lora_A", "lora_B")) {
                    keys.add("base_model.model.encoder.layer." + layer + ".attention.self." + m + "." + part + ".weight");
                }
            }
        }
        assertEquals(keys, new TreeSet<>(header.tensors().keySet()));
        for (TensorInfo info : header.tensors().values()) assertEquals(DType.F32, info.dtype());
        assertEquals(List.of(2L, 8L), header.tensors().get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").shape());
        assertEquals(List.of(8L, 2L), header.tensors().get("base_model.model.encoder.layer.1.attention.self.value.lora_B.weight").shape());
        Tensor a = ((Lora.Additive) model.adapters().get("default").byModule().get("encoder.layer.0.attention.self.query")).branch().a().value();
        assertArrayEquals(a.toArray(), Safetensors.read(weights).tensor("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").toArray(), 0f);
    }

    private static List<String> fieldOrder(JsonNode json) {
        List<String> order = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(order::add);
        return order;
    }

    /** adapter_config.json as PEFT 0.17 writes it for SEQ_CLS: no peft_version, modules_to_save with PEFT's added "score". */
    private static final String PEFT_0_17_CONFIG = """
            {
              "alpha_pattern": {
                "value": 12
              },
              "auto_mapping": null,
              "base_model_name_or_path": "prajjwal1/bert-tiny",
              "bias": "none",
              "corda_config": null,
              "eva_config": null,
              "exclude_modules": null,
              "fan_in_fan_out": false,
              "inference_mode": true,
              "init_lora_weights": true,
              "layer_replication": null,
              "layers_pattern": null,
              "layers_to_transform": null,
              "loftq_config": {},
              "lora_alpha": 16,
              "lora_bias": false,
              "lora_dropout": 0.1,
              "megatron_config": null,
              "megatron_core": "megatron.core",
              "modules_to_save": [
                "classifier",
                "score"
              ],
              "peft_type": "LORA",
              "qalora_group_size": 16,
              "r": 2,
              "rank_pattern": {
                "encoder.layer.1.attention.self.value": 4
              },
              "revision": null,
              "target_modules": [
                "value",
                "query"
              ],
              "target_parameters": null,
              "task_type": "SEQ_CLS",
              "trainable_token_indices": null,
              "use_dora": false,
              "use_qalora": false,
              "use_rslora": false
            }""";

    @Test
    void readsADirectoryWrittenAsPeftWritesIt() throws IOException {
        Files.writeString(dir.resolve(PeftAdapterFormat.CONFIG_NAME), PEFT_0_17_CONFIG);
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
        long seed = 100;
        for (int layer = 0; layer < 2; layer++) {
            for (String m : List.of("query", "value")) {
                int r = layer == 1 && m.equals("value") ? 4 : 2;
                String prefix = "base_model.model.encoder.layer." + layer + ".attention.self." + m + ".";
                tensors.put(prefix + "lora_A.weight", Tensor.uniform(seed++, 0.5f, r, 8));
                tensors.put(prefix + "lora_B.weight", Tensor.uniform(seed++, 0.5f, 8, r));
            }
        }
        tensors.put("base_model.model.classifier.weight", Tensor.uniform(seed++, 0.5f, 3, 8));
        tensors.put("base_model.model.classifier.bias", Tensor.uniform(seed, 0.5f, 3));
        Path weights = dir.resolve(PeftAdapterFormat.WEIGHTS_NAME);
        Safetensors.write(weights, tensors, Map.of("format", "pt"), name -> name.contains("lora_B") ? DType.BF16 : DType.F32);
        Map<String, Tensor> stored = Safetensors.read(weights).tensors();

        AdapterConfigFile file = PeftAdapterFormat.readConfig(dir);
        assertEquals(new SaveOptions("SEQ_CLS", "prajjwal1/bert-tiny"), file.options());
        assertEquals(null, file.peftVersion());
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 21));
        PeftModel.AdapterSet set = PeftAdapterFormat.load(dir, model, "default");

        AdapterConfig expected = new AdapterConfig("lora", 2, 16, 0.1f, TargetModules.of("value", "query"), false, "default",
                Map.of("encoder.layer.1.attention.self.value", 4), Map.of("value", 12f), List.of("classifier"), Map.of(), 0);
        assertEquals(expected, set.config(), "PEFT's added 'score' names no module and is dropped, as PEFT ignores it");
        assertEquals(3f, ((Lora.Additive) set.byModule().get("encoder.layer.1.attention.self.value")).branch().scale(), 0f);
        assertEquals(8f, ((Lora.Additive) set.byModule().get("encoder.layer.0.attention.self.query")).branch().scale(), 0f);

        // the same adapter built by hand: factors copied into each LoRA branch, the head into the classifier
        PeftModel reference = new PeftModel(TinyModels.bertClassifier(0f, 21));
        reference.addAdapter("default", expected).byModule().forEach((module, adapter) -> {
            var branch = ((Lora.Additive) adapter).branch();
            branch.a().value().copyFrom(stored.get("base_model.model." + module + ".lora_A.weight"));
            branch.b().value().copyFrom(stored.get("base_model.model." + module + ".lora_B.weight"));
        });
        for (Parameter p : reference.modulesToSave("classifier")) p.value().copyFrom(stored.get("base_model.model." + p.name()));
        assertArrayEquals(AdapterChecks.logits(ops, reference, batch), AdapterChecks.logits(ops, model, batch), 0f);
        for (Parameter p : model.modulesToSave("classifier")) {
            assertArrayEquals(stored.get("base_model.model." + p.name()).toArray(), p.value().toArray(), 0f, p.name());
            assertTrue(p.trainable(), "modules_to_save train again after loading");
        }
    }

    @Test
    void aMethodPeftLacksRoundTripsWithItsSharedTensorSavedOnce() throws IOException {
        AdapterConfig config = AdapterConfig.of(SharedALora.NAME, 3, 6, QV).withOption("gain", 0.5).withSeed(7);
        PeftModel original = trained(config, 14);
        Adapter any = original.adapters().get("default").byModule().values().iterator().next();
        Tensor sharedA = ((SharedALora.Layer) any).branch().a().value();
        for (int i = 0; i < sharedA.size(); i++) sharedA.put(i, sharedA.at(i) * -1.5f + 0.1f);
        PeftModel.AdapterSet loaded = roundTrip(original, 14);

        assertEquals(config, loaded.config());
        JsonNode json = JSON.readTree(dir.resolve(PeftAdapterFormat.CONFIG_NAME).toFile());
        assertEquals(SharedALora.PEFT_TYPE, json.get("peft_type").textValue());
        assertEquals(7, json.get("seed").longValue());
        assertEquals(0.5, json.get("options").get("gain").doubleValue(), 0.0);
        SafetensorsHeader header = Safetensors.readHeader(dir.resolve(PeftAdapterFormat.WEIGHTS_NAME));
        assertEquals(List.of(3L, 8L), header.tensors().get("base_model.shared_A").shape());
        assertEquals(1 + 4, header.tensors().size(), "shared_A once, shared_lora_B.weight per layer");
        assertTrue(header.tensors().containsKey("base_model.model.encoder.layer.1.attention.self.value.shared_lora_B.weight"));
        Tensor loadedA = ((SharedALora.Layer) loaded.byModule().get("encoder.layer.1.attention.self.value")).branch().a().value();
        assertArrayEquals(sharedA.toArray(), loadedA.toArray(), 0f);
    }
}
