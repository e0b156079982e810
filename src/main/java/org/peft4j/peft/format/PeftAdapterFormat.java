package org.peft4j.peft.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.peft4j.io.AtomicFiles;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.TensorInfo;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.tensor.Tensor;

/**
 * Saves and loads one adapter as a Hugging Face PEFT directory, so that Python's
 * {@code PeftModel.from_pretrained(base, dir)} reads what peft4j writes and peft4j reads what PEFT
 * writes:
 * <pre>
 *   dir/adapter_config.json         the config, keys sorted, indented by 2 (as PEFT writes it)
 *   dir/adapter_model.safetensors   the tensors as F32, metadata {"format": "pt"}
 * </pre>
 * The format is PEFT 0.18.0's ({@value #PEFT_VERSION} goes into {@code peft_version}, the field
 * that release introduced), taken from its source:
 * <ul>
 *   <li>src/peft/utils/constants.py: {@code CONFIG_NAME = "adapter_config.json"},
 *       {@code SAFETENSORS_WEIGHTS_NAME = "adapter_model.safetensors"};</li>
 *   <li>src/peft/config.py: {@code save_pretrained} writes {@code to_dict()} (dataclasses.asdict,
 *       sets as lists) as {@code json.dumps(indent=2, sort_keys=True)}; the fields every config has
 *       are task_type, peft_type, auto_mapping, peft_version, base_model_name_or_path, revision,
 *       inference_mode. Loading drops fields a release does not know with a warning (0.17 thus
 *       reads these files), and an unknown peft_type fails;</li>
 *   <li>src/peft/peft_model.py: {@code save_pretrained} saves inference_mode = true, fills
 *       auto_mapping only when task_type is null, and writes the tensors with
 *       {@code safe_save_file(..., metadata={"format": "pt"})};</li>
 *   <li>src/peft/utils/save_and_load.py, {@code get_peft_model_state_dict}: keeps the keys with
 *       "lora_" (LoRA), "vera_lambda_" plus base_model.vera_A / vera_B (VeRA, save_projection),
 *       "randlora_" (RandLoRA); renames DoRA's {@code lora_magnitude_vector.<adapter>.weight} to
 *       {@code lora_magnitude_vector}; adds modules_to_save through
 *       {@code ModulesToSaveWrapper.adapter_state_dict} (src/peft/utils/other.py: keys without the
 *       {@code modules_to_save.<adapter>} infix); then removes the adapter name
 *       ({@code …query.lora_A.default.weight → …query.lora_A.weight}). See {@link AdapterTensors};</li>
 *   <li>the config classes: see {@link LoraConfigFormat}, {@link VeraConfigFormat},
 *       {@link RandLoraConfigFormat}; methods PEFT lacks: {@link Peft4jConfigFormat}.</li>
 * </ul>
 * Module names are peft4j's, which are Hugging Face's for a BERT encoder loaded with
 * {@code AutoModel} ({@code encoder.layer.0.attention.self.query}).
 */
public final class PeftAdapterFormat {
    private PeftAdapterFormat() {}

    public static final String CONFIG_NAME = "adapter_config.json";
    public static final String WEIGHTS_NAME = "adapter_model.safetensors";
    /** The PEFT release whose format this follows. */
    public static final String PEFT_VERSION = "0.18.0";

    private static final Set<DType> FLOATS = Set.of(DType.F32, DType.F16, DType.BF16, DType.F64);
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();
    /** {@code json.dumps(indent=2)}: {@code "key": value}, one entry per line, {@code {}} and {@code []} when empty. */
    private static final ObjectWriter PYTHON_STYLE = JSON.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    /**
     * Writes adapter {@code adapterName} of {@code model} to {@code dir}, replacing the directory as
     * a whole (atomically: a reader sees the old or the new adapter, never a mix).
     */
    public static void save(Path dir, PeftModel model, String adapterName, SaveOptions options) throws IOException {
        Objects.requireNonNull(options, "save options (task_type, base_model_name_or_path) are null; pass new SaveOptions(null, null) for none");
        PeftModel.AdapterSet set = model.adapters().get(adapterName);
        if (set == null) {
            throw new IllegalArgumentException("no adapter named '" + adapterName + "'; have " + model.adapters().keySet());
        }
        byte[] config = PYTHON_STYLE.writeValueAsBytes(sorted(configJson(set, options)));
        Map<String, Tensor> tensors = AdapterTensors.of(model, set).toSave();
        AtomicFiles.writeDirectory(dir, staging -> {
            Files.write(staging.resolve(CONFIG_NAME), config);
            try (OutputStream out = Files.newOutputStream(staging.resolve(WEIGHTS_NAME))) {
                Safetensors.write(out, tensors, Map.of("format", "pt"), name -> DType.F32);
            }
        });
    }

    /** The adapter_config.json of {@code dir}, read into peft4j's terms (nothing is loaded). */
    public static AdapterConfigFile readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG_NAME);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + CONFIG_NAME + ": not a PEFT adapter directory");
        }
        return parseConfig(file, Files.readAllBytes(file));
    }

    /** The adapter_config.json held in {@code json}; {@code file} only names it in errors. */
    static AdapterConfigFile parseConfig(Path file, byte[] json) throws AdapterFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            var at = e.getLocation();
            throw new AdapterFormatException(file, "not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IOException e) { // CharConversionException: bytes that are no text in the encoding Jackson detected
            throw new AdapterFormatException(file, "not valid JSON text: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new AdapterFormatException(file, "must hold a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        ConfigFields fields = new ConfigFields(file, (ObjectNode) root);
        String peftType = fields.text("peft_type", null);
        if (peftType == null) throw new AdapterFormatException(file, "field \"peft_type\" is missing or null");
        ConfigFormat format = ConfigFormat.of(peftType);
        if (format == null) {
            throw new AdapterFormatException(file, "peft_type \"" + peftType + "\" is a PEFT method peft4j does not read;"
                    + " it reads LORA (LoRA, DoRA), VERA, RANDLORA and the types of its own methods");
        }
        try {
            SaveOptions options = new SaveOptions(fields.text("task_type", null), fields.text("base_model_name_or_path", null));
            String version = fields.text("peft_version", null);
            fields.ignore("auto_mapping", "revision", "inference_mode");
            return new AdapterConfigFile(format.read(fields, format.method(fields, peftType)), options, version);
        } catch (IllegalArgumentException e) {
            throw new AdapterFormatException(file, e.getMessage(), e);
        }
    }

    /**
     * Creates adapter {@code adapterName} on {@code model} from {@code dir} (as
     * {@link PeftModel#addAdapter} does: it becomes active if it is the first) and copies its tensors
     * in. The file must fit exactly: every missing key, unexpected key and wrong shape is reported in one
     * {@link org.peft4j.nn.StateDictMismatchException}, and a failed load leaves the model as it was.
     * As in PEFT, modules_to_save entries that name no module of the model are ignored (PEFT's
     * SEQ_CLS configs list both {@code classifier} and {@code score}); their tensors, if any, are
     * then unexpected.
     */
    public static PeftModel.AdapterSet load(Path dir, PeftModel model, String adapterName) throws IOException {
        if (model.adapters().containsKey(adapterName)) {
            throw new IllegalArgumentException("an adapter named '" + adapterName + "' exists already");
        }
        AdapterConfig config = presentModulesToSave(readConfig(dir).config(), model);
        Map<String, Tensor> tensors = readTensors(dir.resolve(WEIGHTS_NAME));
        ModelSnapshot before = ModelSnapshot.of(model, config);
        try {
            PeftModel.AdapterSet set = model.addAdapter(adapterName, config);
            AdapterTensors.of(model, set).copyFrom(tensors);
            List<String> notLive = AdapterTensors.of(model, set).differingFrom(tensors);
            if (!notLive.isEmpty()) {
                throw new IllegalStateException(set.method().name() + " hands out copies instead of its live tensors for "
                        + notLive + "; loading cannot set them");
            }
            return set;
        } catch (RuntimeException e) {
            if (model.adapters().containsKey(adapterName)) model.deleteAdapter(adapterName);
            before.restore();
            throw e;
        }
    }

    private static ObjectNode configJson(PeftModel.AdapterSet set, SaveOptions options) {
        String peftType = set.method().peftType();
        ConfigFormat format = ConfigFormat.of(peftType);
        if (format == null) {
            throw new IllegalArgumentException("method '" + set.method().name() + "' declares PEFT's peft_type " + peftType
                    + ", for which peft4j has no config mapping: PEFT would misread the file");
        }
        if (format instanceof Peft4jConfigFormat && ConfigFormat.methodsOf(peftType).size() != 1) {
            throw new IllegalArgumentException("methods " + ConfigFormat.methodsOf(peftType) + " all declare peft_type "
                    + peftType + ", so a saved adapter could not be read back");
        }
        ObjectNode json = JSON.createObjectNode();
        format.write(set.config(), json);
        json.putNull("auto_mapping");
        json.put("base_model_name_or_path", options.baseModelNameOrPath());
        json.put("inference_mode", true);
        json.put("peft_type", peftType);
        json.put("peft_version", PEFT_VERSION);
        json.putNull("revision");
        json.put("task_type", options.taskType());
        return json;
    }

    /** The float tensors of adapter_model.safetensors; any other dtype is refused by name. */
    private static Map<String, Tensor> readTensors(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            boolean pickle = Files.exists(file.resolveSibling("adapter_model.bin"));
            throw new NoSuchFileException(file.toString(), null, "no " + WEIGHTS_NAME
                    + (pickle ? "; adapter_model.bin (a pickle) is not read, re-save it with safe_serialization=True" : ""));
        }
        for (Map.Entry<String, TensorInfo> e : Safetensors.readHeader(file).tensors().entrySet()) {
            if (!FLOATS.contains(e.getValue().dtype())) {
                throw new AdapterFormatException(file, "tensor \"" + e.getKey() + "\" has dtype " + e.getValue().dtype()
                        + "; adapter tensors must be floating point (F32, F16, BF16 or F64)");
            }
        }
        return Safetensors.read(file).tensors();
    }

    /** {@code config} with only the modules_to_save that the model has, each once. */
    private static AdapterConfig presentModulesToSave(AdapterConfig config, PeftModel model) {
        List<String> present = config.modulesToSave().stream().distinct()
                .filter(m -> model.parameters().stream().anyMatch(p -> p.name().startsWith(m + ".")))
                .toList();
        return present.equals(config.modulesToSave()) ? config : config.withModulesToSave(present.toArray(String[]::new));
    }

    /** {@code node} with every object's keys in order, as {@code sort_keys=True}. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            node.properties().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.set(e.getKey(), sorted(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(v -> out.add(sorted(v)));
            return out;
        }
        return node;
    }
}
