package org.peft4j.io.onnx;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The real all-MiniLM-L6-v2 export from the classpath, read once for the class. */
class MiniLmImportTest {
    private static final long WEIGHTS = 22_565_376;
    private static byte[] bytes;
    private static OnnxGraph graph;
    private static BertCheckpoint checkpoint;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = MiniLmImportTest.class.getClassLoader().getResourceAsStream(BertOnnxImporter.MINILM_RESOURCE)) {
            bytes = in.readAllBytes();
        }
        graph = OnnxReader.parse(bytes);
        checkpoint = BertOnnxImporter.loadMiniLm();
    }

    @Test
    void graphHolds102InitializersWith22_57MillionWeights() {
        assertEquals(102, graph.initializers().size());
        assertEquals(WEIGHTS, graph.parameterCount());
        assertEquals(36, graph.initializers().keySet().stream().filter(n -> n.startsWith("onnx::MatMul_")).count());
        assertEquals(OnnxTensor.INT64, graph.initializers().get("embeddings.position_ids").dataType());
    }

    @Test
    void configIsMiniLmL6() {
        assertEquals(BertConfig.miniLmL6(), checkpoint.config());
        assertEquals(1e-12f, checkpoint.config().layerNormEps());
        assertEquals(0.1f, checkpoint.config().hiddenDropout());
        assertEquals(0.1f, checkpoint.config().attentionDropout());
        assertEquals(32, checkpoint.config().headDim());
    }

    @Test
    void everyBertWeightIsPresentWithItsPyTorchShape() {
        Map<String, int[]> expected = BertCheckpoint.expectedShapes(checkpoint.config());
        assertEquals(5 + 6 * 16, expected.size());
        assertEquals(expected.keySet(), checkpoint.weights().keySet());
        expected.forEach((name, shape) -> assertArrayEquals(shape, checkpoint.weights().get(name).shape(), name));
        assertEquals(WEIGHTS, checkpoint.parameterCount());
    }

    /** Node names such as {@code /encoder/layer.3/attention/self/key/MatMul} independently confirm the bias-based naming. */
    @Test
    void projectionsAgreeWithTheMatMulNodeNames() throws OnnxFormatException {
        int checked = 0;
        for (OnnxNode node : graph.nodes()) {
            if (!node.opType().equals("MatMul") || !node.inputs().get(1).startsWith("onnx::MatMul_")) continue;
            String module = node.name().substring(1, node.name().length() - "/MatMul".length()).replace('/', '.');
            Tensor raw = graph.weight(node.inputs().get(1));
            Tensor imported = checkpoint.weights().get(module + ".weight");
            assertArrayEquals(new int[] {raw.dim(1), raw.dim(0)}, imported.shape(), module);
            assertArrayEquals(BertOnnxImporter.transposed(raw).toArray(), imported.toArray(), module);
            checked++;
        }
        assertEquals(36, checked);
    }

    /** Layer 0's query projection of a random vector: ONNX's {@code x·W + b} with W [in, out] equals PyTorch's {@code W·x + b}. */
    @Test
    void firstQueryProjectionMatchesTheGraphsMatMul() throws OnnxFormatException {
        OnnxNode matMul = graph.nodes().stream().filter(n -> n.name().equals("/encoder/layer.0/attention/self/query/MatMul")).findFirst().orElseThrow();
        Tensor raw = graph.weight(matMul.inputs().get(1));
        Tensor w = checkpoint.weights().get("encoder.layer.0.attention.self.query.weight");
        Tensor b = checkpoint.weights().get("encoder.layer.0.attention.self.query.bias");
        Tensor x = Tensor.normal(17, 1f, 384);
        for (int out = 0; out < 384; out++) {
            double onnx = b.at(out), torch = b.at(out);
            for (int in = 0; in < 384; in++) {
                onnx += x.at(in) * raw.get(in, out);
                torch += w.get(out, in) * x.at(in);
            }
            assertEquals(onnx, torch, 1e-6 * (1 + Math.abs(onnx)), "output " + out);
        }
        assertNotEquals(raw.get(0, 1), raw.get(1, 0), "a symmetric matrix would not tell the layouts apart");
    }

    @Test
    void everyLayerNormOfTheGraphUsesEpsilon1e12() throws OnnxFormatException {
        var epsilons = graph.constants().entrySet().stream().filter(e -> e.getKey().endsWith("/LayerNorm/Constant_1_output_0")).toList();
        assertEquals(1 + 2 * 6, epsilons.size());
        for (var e : epsilons) assertArrayEquals(new float[] {1e-12f}, e.getValue().floatTensor().toArray(), e.getKey());
    }

    @Test
    void truncatedModelIsATypedError() {
        for (int cut : new int[] {1, 1000, 5_000_000, bytes.length - 1}) {
            var e = assertThrows(OnnxFormatException.class, () -> OnnxReader.parse(Arrays.copyOf(bytes, cut)));
            assertFalse(e.getMessage().isBlank());
        }
    }
}
