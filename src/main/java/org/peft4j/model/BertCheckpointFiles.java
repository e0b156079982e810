package org.peft4j.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.io.TensorInfo;
import org.peft4j.io.onnx.BertOnnxImporter;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertConfig;

/**
 * BERT checkpoints in files, chosen by extension:
 * <pre>
 *   NAME.onnx          a PyTorch export of a BertModel (see {@link BertOnnxImporter})
 *   NAME.safetensors   the state dict (float weights; integer buffers such as position_ids are
 *                      ignored) with its config as Hugging Face config.json text, taken from the
 *                      metadata key "config" (what {@link #write} stores), else from config.json
 *                      in the same folder (Hugging Face's own layout)
 * </pre>
 */
public final class BertCheckpointFiles {
    /** The safetensors metadata key holding the config as {@code config.json} text. */
    public static final String CONFIG_METADATA = "config";
    /** The file next to a {@code .safetensors} checkpoint that holds its config when the metadata does not. */
    public static final String CONFIG_FILE = "config.json";

    private BertCheckpointFiles() {}

    /**
     * Reads {@code file}; an unknown extension, a missing config or weights that do not fit the
     * config are {@link IllegalArgumentException}s naming the file.
     */
    public static BertCheckpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("model file " + file + " does not exist");
        String name = file.getFileName().toString();
        if (name.endsWith(".onnx")) return BertOnnxImporter.load(file);
        if (name.endsWith(".safetensors")) return readSafetensors(file);
        throw new IllegalArgumentException("unsupported model file " + file + ": expected a .onnx export of a BERT encoder "
                + "or a .safetensors state dict with its config (in the metadata, or config.json beside it)");
    }

    /** Writes {@code checkpoint} as float32 safetensors with its config in the metadata. */
    public static void write(Path file, BertCheckpoint checkpoint) throws IOException {
        if (!file.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("checkpoint file " + file + " must end in .safetensors");
        }
        Safetensors.write(file, checkpoint.weights(),
                Map.of(CONFIG_METADATA, HuggingFaceBertConfig.toJson(checkpoint.config()), "format", "pt"), DType.F32);
    }

    private static BertCheckpoint readSafetensors(Path file) throws IOException {
        SafetensorsFile contents = Safetensors.read(file);
        BertConfig config;
        try {
            config = HuggingFaceBertConfig.parse(configText(file, contents));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        BertCheckpoint checkpoint = new BertCheckpoint(config, contents.tensors());
        Map<String, TensorInfo> header = Safetensors.readHeader(file).tensors();
        List<String> problems = checkpoint.problems().stream().map(p -> {
            TensorInfo info = p.startsWith("missing ") ? header.get(p.substring("missing ".length())) : null;
            return info == null ? p : p.substring("missing ".length()) + " has dtype " + info.dtype()
                    + ", but weights must be floating point (F32, F16, BF16 or F64)";
        }).toList();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + " is not a BERT encoder of " + config + ": " + String.join("; ", problems));
        }
        return checkpoint;
    }

    private static String configText(Path file, SafetensorsFile contents) throws IOException {
        String inMetadata = contents.metadata().get(CONFIG_METADATA);
        if (inMetadata != null) return inMetadata;
        Path beside = file.resolveSibling(CONFIG_FILE);
        if (Files.isRegularFile(beside)) return Files.readString(beside);
        throw new IllegalArgumentException("no config: the file has no \"" + CONFIG_METADATA + "\" metadata and there is no "
                + beside);
    }
}
