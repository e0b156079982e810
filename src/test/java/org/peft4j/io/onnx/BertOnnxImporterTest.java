package org.peft4j.io.onnx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The importer on small synthetic BERT exports shaped like PyTorch's: anonymous [in, out] MatMul weights, shuffled initializers. */
class BertOnnxImporterTest {
    private static final BertConfig TINY = BertConfig.of(11, 6, 2, 2, 10, 9, 2);

    /** A PyTorch-style export of a BERT with random weights, given as its HF state dict. */
    private static final class Export {
        final Map<String, Tensor> stateDict = new LinkedHashMap<>();
        final List<Proto> initializers = new ArrayList<>();
        final OnnxModelBuilder model = new OnnxModelBuilder();
        private final Random rng = new Random(42);
        private int anonymous = 700;

        Export(BertConfig c, boolean constantReshape) {
            embedding("embeddings.word_embeddings.weight", c.vocabSize(), c.hiddenSize());
            embedding("embeddings.position_embeddings.weight", c.maxPositions(), c.hiddenSize());
            embedding("embeddings.token_type_embeddings.weight", c.typeVocabSize(), c.hiddenSize());
            vector("embeddings.LayerNorm.weight", c.hiddenSize());
            vector("embeddings.LayerNorm.bias", c.hiddenSize());
            initializers.add(OnnxModelBuilder.int64Tensor("embeddings.position_ids", new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, 1, 9));
            String x = "/embeddings/LayerNorm/Add_1_output_0";
            for (int i = 0; i < c.layers(); i++) {
                String p = "encoder.layer." + i + ".";
                String q = linear(p + "attention.self.query", x, c.hiddenSize(), c.hiddenSize(), false);
                String shape = p + "q_shape";
                if (constantReshape) {
                    model.constant(shape, OnnxModelBuilder.int64Tensor("", new long[] {0, 0, c.heads(), c.headDim()}, 4));
                } else {
                    model.constant(p + "heads", OnnxModelBuilder.int64Tensor("", new long[] {c.heads()}, 1));
                    model.constant(p + "head_dim", OnnxModelBuilder.int64Tensor("", new long[] {c.headDim()}, 1));
                    model.node("Concat", List.of(p + "batch", p + "seq", p + "heads", p + "head_dim"), shape);
                }
                model.node("Reshape", List.of(q, shape), p + "q_heads");
                linear(p + "attention.self.key", x, c.hiddenSize(), c.hiddenSize(), true);
                linear(p + "attention.self.value", x, c.hiddenSize(), c.hiddenSize(), false);
                String attn = linear(p + "attention.output.dense", p + "context", c.hiddenSize(), c.hiddenSize(), true);
                vector(p + "attention.output.LayerNorm.weight", c.hiddenSize());
                vector(p + "attention.output.LayerNorm.bias", c.hiddenSize());
                String mid = linear(p + "intermediate.dense", attn, c.hiddenSize(), c.intermediateSize(), false);
                x = linear(p + "output.dense", mid, c.intermediateSize(), c.hiddenSize(), true);
                vector(p + "output.LayerNorm.weight", c.hiddenSize());
                vector(p + "output.LayerNorm.bias", c.hiddenSize());
            }
        }

        byte[] build() {
            Collections.shuffle(initializers, new Random(7));
            initializers.forEach(model::initializer);
            return model.build();
        }

        private void embedding(String name, int rows, int cols) {
            Tensor t = Tensor.normal(rng.nextLong(), 0.5f, rows, cols);
            stateDict.put(name, t);
            initializers.add(OnnxModelBuilder.floatTensor(name, t.toArray(), rows, cols));
        }

        private void vector(String name, int n) {
            Tensor t = Tensor.normal(rng.nextLong(), 0.5f, n);
            stateDict.put(name, t);
            initializers.add(OnnxModelBuilder.floatTensor(name, t.toArray(), n));
        }

        /** {@code Add(MatMul(x, W), b)} (or {@code Add(b, MatMul)}) with W stored [in, out] under an anonymous name. */
        private String linear(String prefix, String x, int in, int out, boolean biasFirst) {
            Tensor weight = Tensor.normal(rng.nextLong(), 0.5f, out, in);
            stateDict.put(prefix + ".weight", weight);
            String w = "onnx::MatMul_" + anonymous++;
            initializers.add(OnnxModelBuilder.floatTensor(w, BertOnnxImporter.transposed(weight).toArray(), in, out));
            vector(prefix + ".bias", out);
            String mm = "/" + prefix + "/MatMul_output_0", y = "/" + prefix + "/Add_output_0";
            model.node("MatMul", List.of(x, w), mm);
            model.node("Add", biasFirst ? List.of(prefix + ".bias", mm) : List.of(mm, prefix + ".bias"), y);
            return y;
        }
    }

    private static void assertImports(Export export, BertCheckpoint checkpoint) {
        assertEquals(TINY, checkpoint.config());
        assertEquals(List.copyOf(BertCheckpoint.expectedShapes(TINY).keySet()).stream().sorted().toList(),
                checkpoint.weights().keySet().stream().sorted().toList());
        export.stateDict.forEach((name, expected) -> {
            Tensor got = checkpoint.weights().get(name);
            assertArrayEquals(expected.shape(), got.shape(), name);
            assertArrayEquals(expected.toArray(), got.toArray(), name);
            assertEquals(name, got.name());
        });
    }

    @Test
    void namesEveryProjectionByItsBiasAndTransposesIt() throws OnnxFormatException {
        Export export = new Export(TINY, false);
        assertImports(export, BertOnnxImporter.fromGraph(OnnxReader.parse(export.build())));
    }

    @Test
    void readsHeadsFromAConstantReshapeShape() throws OnnxFormatException {
        Export export = new Export(TINY, true);
        assertImports(export, BertOnnxImporter.fromGraph(OnnxReader.parse(export.build())));
    }

    @Test
    void transposedSwapsRowsAndColumnsOfAView() {
        Tensor m = Tensor.normal(3, 1f, 4, 3, 5).rows(2, 9).reshape(7, 5);
        Tensor t = BertOnnxImporter.transposed(m);
        assertArrayEquals(new int[] {5, 7}, t.shape());
        for (int r = 0; r < 7; r++) for (int c = 0; c < 5; c++) assertEquals(m.get(r, c), t.get(c, r));
    }

    @Test
    void rejectsGraphsThatAreNotBertEncoders() {
        byte[] notBert = new OnnxModelBuilder()
                .initializer(OnnxModelBuilder.floatTensor("conv.weight", new float[] {1, 2}, 2))
                .build();
        var e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(OnnxReader.parse(notBert)));
        assertEquals("not a BERT encoder: no initializer 'embeddings.word_embeddings.weight'", e.getMessage());

        Export stray = new Export(TINY, false);
        stray.initializers.add(OnnxModelBuilder.floatTensor("onnx::MatMul_999", new float[] {1, 2, 3, 4}, 2, 2));
        stray.model.node("MatMul", List.of("x", "onnx::MatMul_999"), "unbiased");
        e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(OnnxReader.parse(stray.build())));
        assertEquals("not a BERT encoder export: initializers [onnx::MatMul_999] are not the weight of an "
                + "Add(MatMul(x, W), <name>.bias) projection", e.getMessage());

        Export extra = new Export(TINY, false);
        extra.initializers.add(OnnxModelBuilder.floatTensor("encoder.layer.1.extra.bias", new float[] {1}, 1));
        e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(OnnxReader.parse(extra.build())));
        assertEquals("not a BERT encoder of " + TINY + ": unexpected weight encoder.layer.1.extra.bias", e.getMessage());
    }

    @Test
    void reportsMissingAndMisshapenWeights() {
        OnnxGraph graph = parse(new Export(TINY, false).build());
        var initializers = new LinkedHashMap<>(graph.initializers());
        initializers.remove("encoder.layer.1.output.LayerNorm.bias");
        initializers.put("encoder.layer.0.attention.self.key.bias",
                new OnnxTensor("encoder.layer.0.attention.self.key.bias", OnnxTensor.FLOAT, new int[] {5}, new float[5], null));
        OnnxGraph broken = new OnnxGraph(initializers, graph.constants(), graph.nodes());
        var e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(broken));
        assertEquals("not a BERT encoder of " + TINY + ": encoder.layer.0.attention.self.key.bias has shape [5], expected [6]; "
                + "missing encoder.layer.1.output.LayerNorm.bias", e.getMessage());
    }

    @Test
    void explainsWhyHeadsCannotBeInferred() {
        OnnxGraph graph = parse(new Export(TINY, false).build());
        var withoutReshape = new OnnxGraph(graph.initializers(), graph.constants(),
                graph.nodes().stream().filter(n -> !n.opType().equals("Reshape")).toList());
        var e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(withoutReshape));
        assertTrue(e.getMessage().startsWith("cannot infer the number of attention heads"), e.getMessage());

        var constants = new LinkedHashMap<>(graph.constants());
        constants.put("encoder.layer.0.heads", new OnnxTensor("encoder.layer.0.heads", OnnxTensor.INT64, new int[] {1}, null, new long[] {4}));
        var e2 = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.fromGraph(new OnnxGraph(graph.initializers(), constants, graph.nodes())));
        assertTrue(e2.getMessage().endsWith("splits hidden 6 into 4 heads of 3"), e2.getMessage());
    }

    @Test
    void rejectsHalfPrecisionWeightsByType() {
        OnnxGraph graph = parse(new Export(TINY, false).build());
        var initializers = new LinkedHashMap<>(graph.initializers());
        String anonymous = initializers.keySet().stream().filter(n -> n.startsWith("onnx::")).findFirst().orElseThrow();
        initializers.put(anonymous, new OnnxTensor(anonymous, 10, initializers.get(anonymous).dims(), null, null));
        var e = assertThrows(OnnxFormatException.class,
                () -> BertOnnxImporter.fromGraph(new OnnxGraph(initializers, graph.constants(), graph.nodes())));
        assertEquals("'" + anonymous + "' has data_type 10 (FLOAT16); only FLOAT (1) is supported here", e.getMessage());
    }

    @Test
    void loadsFilesAndNamesTheFileInErrors(@TempDir Path dir) throws IOException {
        Export export = new Export(TINY, false);
        Path bert = dir.resolve("bert.onnx");
        Files.write(bert, export.build());
        assertImports(export, BertOnnxImporter.load(bert));

        Path other = dir.resolve("other.onnx");
        Files.write(other, new OnnxModelBuilder().initializer(OnnxModelBuilder.floatTensor("w", new float[] {1}, 1)).build());
        var e = assertThrows(OnnxFormatException.class, () -> BertOnnxImporter.load(other));
        assertEquals(other + ": not a BERT encoder: no initializer 'embeddings.word_embeddings.weight'", e.getMessage());
    }

    private static OnnxGraph parse(byte[] model) {
        try {
            return OnnxReader.parse(model);
        } catch (OnnxFormatException e) {
            throw new AssertionError(e);
        }
    }
}
