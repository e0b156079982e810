package org.peft4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.tensor.Tensor;

/** Checkpoint files by extension, configs as Hugging Face config.json, and the errors a user sees for {@code --model PATH}. */
class BertCheckpointFilesTest {
    private static final BertConfig TINY = new BertConfig(23, 12, 2, 3, 20, 9, 2, 1e-6f, 0.05f, 0.2f);

    private static BertCheckpoint tiny(boolean pooler) {
        Map<String, int[]> shapes = new LinkedHashMap<>(BertCheckpoint.expectedShapes(TINY));
        if (pooler) shapes.putAll(BertCheckpoint.poolerShapes(TINY));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        long seed = 1;
        for (var e : shapes.entrySet()) weights.put(e.getKey(), Tensor.uniform(seed++, 1f, e.getValue()).named(e.getKey()));
        return new BertCheckpoint(TINY, weights);
    }

    private static void assertSameCheckpoint(BertCheckpoint expected, BertCheckpoint got) {
        assertEquals(expected.config(), got.config());
        assertEquals(expected.weights().keySet(), got.weights().keySet());
        expected.weights().forEach((name, t) -> {
            assertArrayEquals(t.shape(), got.weights().get(name).shape(), name);
            assertArrayEquals(t.toArray(), got.weights().get(name).toArray(), 0f, name);
        });
    }

    @Test
    void safetensorsRoundTripKeepsConfigAndEveryWeightBitForBit(@TempDir Path dir) throws IOException {
        for (boolean pooler : new boolean[] {false, true}) {
            Path file = dir.resolve("tiny-" + pooler + ".safetensors");
            BertCheckpoint checkpoint = tiny(pooler);
            BertCheckpointFiles.write(file, checkpoint);
            assertSameCheckpoint(checkpoint, BertCheckpointFiles.read(file));
        }
    }

    @Test
    void configComesFromConfigJsonBesideAPlainStateDict(@TempDir Path dir) throws IOException {
        BertCheckpoint checkpoint = tiny(true);
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, checkpoint.weights(), Map.of("format", "pt"), DType.F32);
        var e = assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.read(file));
        assertEquals(file + ": no config: the file has no \"config\" metadata and there is no " + dir.resolve("config.json"), e.getMessage());

        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": 23, "hidden_size": 12,
                 "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 20,
                 "max_position_embeddings": 9, "type_vocab_size": 2, "layer_norm_eps": 1e-6,
                 "hidden_dropout_prob": 0.05, "attention_probs_dropout_prob": 0.2, "hidden_act": "gelu",
                 "torch_dtype": "float32", "transformers_version": "4.8.2"}""");
        assertSameCheckpoint(checkpoint, BertCheckpointFiles.read(file));
    }

    @Test
    void huggingFaceConfigRoundTripsAndDefaultsEpsilonAndDropoutToBerts() {
        assertEquals(TINY, HuggingFaceBertConfig.parse(HuggingFaceBertConfig.toJson(TINY)));
        assertEquals(BertConfig.miniLmL6(), HuggingFaceBertConfig.parse("""
                {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
                 "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2}"""));
    }

    @Test
    void badConfigsNameTheKey() {
        assertEquals("config lacks num_attention_heads, type_vocab_size", assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceBertConfig.parse("""
                        {"vocab_size": 5, "hidden_size": 4, "num_hidden_layers": 1, "intermediate_size": 8,
                         "max_position_embeddings": 9}""")).getMessage());
        assertEquals("config model_type is \"roberta\", but only bert is supported", assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceBertConfig.parse("{\"model_type\": \"roberta\"}")).getMessage());
        assertEquals("config hidden_act is \"relu\", but only gelu is supported", assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceBertConfig.parse("{\"hidden_act\": \"relu\"}")).getMessage());
        assertEquals("config hidden_size must be an integer, got 38.5", assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceBertConfig.parse("{\"hidden_size\": 38.5}")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HuggingFaceBertConfig.parse("[1]")).getMessage()
                .contains("JSON object"));
    }

    @Test
    void unsupportedMissingAndMismatchedFilesAreClearErrors(@TempDir Path dir) throws IOException {
        Path bin = Files.writeString(dir.resolve("pytorch_model.bin"), "not a model");
        var e = assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.read(bin));
        assertTrue(e.getMessage().startsWith("unsupported model file " + bin + ": expected a .onnx export"), e.getMessage());

        Path absent = dir.resolve("absent.onnx");
        assertEquals("model file " + absent + " does not exist",
                assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.read(absent)).getMessage());

        Map<String, Tensor> weights = new LinkedHashMap<>(tiny(false).weights());
        weights.remove("encoder.layer.1.output.dense.bias");
        weights.put("lm_head.weight", Tensor.uniform(3, 1f, 2, 2));
        Path broken = dir.resolve("broken.safetensors");
        Safetensors.write(broken, weights, Map.of("config", HuggingFaceBertConfig.toJson(TINY)), DType.F32);
        assertEquals(broken + " is not a BERT encoder of " + TINY + ": missing encoder.layer.1.output.dense.bias; "
                + "unexpected weight lm_head.weight",
                assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.read(broken)).getMessage());

        assertTrue(assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.write(dir.resolve("x.bin"), tiny(false)))
                .getMessage().endsWith("must end in .safetensors"));
    }

    @Test
    void aWeightOfAnIntegerDtypeIsNamedWithItsDtype(@TempDir Path dir) throws IOException {
        byte[] bytes = Safetensors.toBytes(tiny(false).weights(), Map.of("config", HuggingFaceBertConfig.toJson(TINY)), DType.F32);
        String name = "embeddings.word_embeddings.weight";
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        String entry = "\"" + name + "\":{\"dtype\":\"";
        assertTrue(text.contains(entry + "F32\""), "the header lists " + name + " as F32");
        // I32 has F32's width: the offsets stay valid and only the dtype changes.
        Path file = Files.write(dir.resolve("ints.safetensors"),
                text.replace(entry + "F32\"", entry + "I32\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(file + " is not a BERT encoder of " + TINY + ": " + name + " has dtype I32, but weights must be floating point"
                + " (F32, F16, BF16 or F64)", assertThrows(IllegalArgumentException.class, () -> BertCheckpointFiles.read(file)).getMessage());
    }

    @Test
    void aModelWhoseVocabularyDiffersFromTheTokenizerIsRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        BertCheckpointFiles.write(file, tiny(false));
        var e = assertThrows(IllegalArgumentException.class, () -> PretrainedBert.load(file));
        assertEquals(file + ": the tokenizer has 30522 tokens but the model's vocabulary has 23; put the model's "
                + "tokenizer.json next to it", e.getMessage());
    }

    /** all-MiniLM-L6-v2 exported by peft4j and read back: the very weights of the ONNX import. */
    @Test
    void miniLmSavedAsSafetensorsLoadsBackIdentically(@TempDir Path dir) throws IOException {
        PretrainedBert onnx = PretrainedBert.miniLm();
        Path file = dir.resolve("minilm.safetensors");
        BertCheckpointFiles.write(file, onnx.checkpoint());
        PretrainedBert back = PretrainedBert.load(file);
        assertSameCheckpoint(onnx.checkpoint(), back.checkpoint());
        assertEquals(onnx.tokenizer().vocabSize(), back.tokenizer().vocabSize());
        assertEquals(file.toString(), back.source());
        assertEquals(22_565_376, back.checkpoint().parameterCount());
    }
}
