package org.peft4j.codebook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.peft4j.io.AtomicFiles;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.tensor.Tensor;

/**
 * A plain LoRA adapter directory (PEFT format, {@code use_dora} false) as per-module factors:
 * {@code ΔW = s·B·A} with {@code A [r, in]}, {@code B [out, r]}, {@code s = α/r} (α/√r with
 * rsLoRA, rank_pattern / alpha_pattern honoured), and the file's other tensors (modules_to_save,
 * e.g. a classifier head) kept as they are. Writing keeps the original adapter_config.json and
 * changes only what the new factors need.
 */
public record LoraFile(ObjectNode configJson, AdapterConfig config, Map<String, Factors> modules, Map<String, Tensor> extras) {
    static final String PREFIX = "base_model.model.", A = ".lora_A.weight", B = ".lora_B.weight";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** One module's factors and scaling. */
    public record Factors(Tensor a, Tensor b, float scaling) {
        public Factors {
            if (a.rank() != 2 || b.rank() != 2 || a.rows() != b.cols()) {
                throw new IllegalArgumentException("LoRA factors need A [r, in] and B [out, r], got A " + java.util.Arrays.toString(a.shape())
                        + " and B " + java.util.Arrays.toString(b.shape()));
            }
        }

        public int rank() { return a.rows(); }

        /** {@code s·B·A} [out, in], in double. */
        public double[] delta() {
            int out = b.rows(), in = a.cols(), r = rank();
            double[] d = new double[out * in];
            for (int i = 0; i < out; i++) {
                for (int k = 0; k < r; k++) {
                    double bik = (double) scaling * b.at(i * r + k);
                    for (int j = 0; j < in; j++) d[i * in + j] += bik * a.at(k * in + j);
                }
            }
            return d;
        }
    }

    public LoraFile {
        modules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        extras = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }

    public static LoraFile read(Path dir) throws IOException {
        AdapterConfig config = PeftAdapterFormat.readConfig(dir).config();
        if (!config.method().equals("lora")) {
            throw new IllegalArgumentException(dir + " holds a '" + config.method() + "' adapter; codebook compression and merging need plain LoRA");
        }
        ObjectNode json = (ObjectNode) JSON.readTree(dir.resolve(PeftAdapterFormat.CONFIG_NAME).toFile());
        Map<String, Tensor> tensors = Safetensors.read(dir.resolve(PeftAdapterFormat.WEIGHTS_NAME)).tensors();
        Map<String, Factors> modules = new LinkedHashMap<>();
        Map<String, Tensor> extras = new LinkedHashMap<>();
        tensors.forEach((key, t) -> {
            if (key.endsWith(A)) {
                String module = key.substring(PREFIX.length(), key.length() - A.length());
                Tensor b = tensors.get(PREFIX + module + B);
                if (b == null) throw new IllegalArgumentException(dir + ": " + key + " has no matching lora_B");
                modules.put(module, new Factors(t, b, scaling(config, module)));
            } else if (!key.endsWith(B)) {
                extras.put(key, t);
            }
        });
        if (modules.isEmpty()) throw new IllegalArgumentException(dir + " holds no lora_A / lora_B tensors");
        return new LoraFile(json, config, modules, extras);
    }

    /** LoRA's scaling of {@code module}: α/r, or α/√r with rsLoRA (rank_pattern / alpha_pattern honoured). */
    static float scaling(AdapterConfig config, String module) {
        int r = config.rankFor(module);
        float alpha = config.alphaFor(module);
        return (float) (config.useRslora() ? alpha / Math.sqrt(r) : alpha / r);
    }

    /**
     * Writes a LoRA of rank {@code rank} whose scaling is 1 (r = lora_alpha, no rsLoRA, no patterns):
     * the factors must already hold any scaling. {@code extras} are written as they are.
     */
    public void writeUnitScaled(Path dir, int rank, Map<String, Factors> factors, Map<String, Tensor> extraTensors) throws IOException {
        ObjectNode json = configJson.deepCopy();
        json.put("r", rank);
        json.put("lora_alpha", rank);
        json.put("use_rslora", false);
        json.putObject("rank_pattern");
        json.putObject("alpha_pattern");
        write(dir, json, factors, extraTensors);
    }

    /** Writes the same config with other factors of the same ranks. */
    public void writeSameConfig(Path dir, Map<String, Factors> factors) throws IOException {
        write(dir, configJson, factors, extras);
    }

    private static void write(Path dir, ObjectNode json, Map<String, Factors> factors, Map<String, Tensor> extraTensors) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        factors.forEach((module, f) -> {
            tensors.put(PREFIX + module + A, f.a());
            tensors.put(PREFIX + module + B, f.b());
        });
        tensors.putAll(extraTensors);
        byte[] config = JSON.writeValueAsBytes(JSON.treeToValue(json, Object.class));
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        AtomicFiles.writeDirectory(dir, staging -> {
            Files.write(staging.resolve(PeftAdapterFormat.CONFIG_NAME), config);
            try (OutputStream out = Files.newOutputStream(staging.resolve(PeftAdapterFormat.WEIGHTS_NAME))) {
                Safetensors.write(out, tensors, Map.of("format", "pt"), name -> DType.F32);
            }
        });
    }
}
