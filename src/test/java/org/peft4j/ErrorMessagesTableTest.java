package org.peft4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.cli.Main;
import org.peft4j.data.DataDirectory;
import org.peft4j.data.Dataset;
import org.peft4j.data.Sotu;
import org.peft4j.io.Safetensors;
import org.peft4j.io.onnx.OnnxReader;
import org.peft4j.nn.CausalLanguageModel;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.gpt.GptConfig;
import org.peft4j.nn.gpt.GptDecoder;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.LearningRateSchedule;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.tensor.Tensor;
import org.peft4j.text.WordPieceTokenizer;
import org.peft4j.train.Checkpoints;
import org.peft4j.train.LanguageModelBatches;
import org.peft4j.train.MemoryEstimate;
import org.peft4j.train.RunDirectory;
import org.peft4j.train.Trainer;

/**
 * Each bad input a user is likely to hit, and the exact message peft4j gives for it, as the table
 * in README.md between {@value #BEGIN} and {@value #END}. The table is generated here, so it cannot
 * drift: this test fails with a diff when README differs, and {@code -Dpeft4j.updateReadme=true}
 * rewrites it. Temporary paths print as {@code <dir>}.
 */
class ErrorMessagesTableTest {
    static final String BEGIN = "<!-- errors:begin -->", END = "<!-- errors:end -->";
    private static final GptConfig CONFIG = new GptConfig(16, 16, 2, 2, 16, 0.1f, true, 1e-5f);

    @TempDir Path dir;

    /** A step that must fail; its message is the table entry. */
    @FunctionalInterface
    interface Failing {
        void run() throws Exception;
    }

    @Test
    void readmeListsEveryBadInputWithItsExactMessage() throws Exception {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("`peft4j finetune --rank eight`", cli("finetune", "--rank", "eight"));
        rows.put("`peft4j finetune --method lorra`", cli("finetune", "--method", "lorra"));
        rows.put("`peft4j fine-tune`", cli("fine-tune"));
        rows.put("`peft4j train --config missing.json`", cli("train", "--config", "missing.json"));
        rows.put("`peft4j train --config c.json` with `{\"model\": {\"layer\": 4}}`",
                cli("train", "--config", Files.writeString(dir.resolve("c.json"), "{\"model\": {\"layer\": 4}}").toString()));
        rows.put("`peft4j train --config c.json` with `{\"model\": null}`",
                cli("train", "--config", Files.writeString(dir.resolve("c.json"), "{\"model\": null}").toString()));
        rows.put("`peft4j pretrain --steps 10` with `schedule.warmup_steps` 60", cli("pretrain", "--steps", "10"));
        rows.put("dataset not fetched", message(() -> Sotu.load(new DataDirectory(dir.resolve("data")))));
        rows.put("output directory below a regular file",
                message(() -> RunDirectory.requireWritable(Files.writeString(dir.resolve("notes.txt"), "x").resolve("run"), 0)));
        rows.put("heap too small for the run (a 1024×12 batch, 64 MiB heap)", message(() -> {
            CausalLanguageModel model = model();
            MemoryEstimate.of(model, adamW(model), new LanguageModelBatches(corpus(), 1024, 12, 5).batch(0))
                    .requireFits(64L << 20, "1024×12");
        }));
        rows.put("NaN/Inf during training (learning rate 1e30)", message(() -> train(dir.resolve("diverging"), 30, 1e30)));
        rows.put("newest checkpoint truncated (the run resumes from the previous one)", truncatedCheckpointMessage());
        rows.put("adapter tensors that do not fit the model (missing, unexpected, wrong shape)", message(() -> {
            CausalLanguageModel model = model();
            Map<String, Tensor> weights = new LinkedHashMap<>(StateDict.of(model.parameters()));
            weights.remove("transformer.h.1.ln_2.bias");
            weights.put("transformer.h.0.attn.c_attn.weight", Tensor.zeros(16, 48));
            weights.put("transformer.h.2.ln_1.weight", Tensor.zeros(16));
            StateDict.load(model.parameters(), weights, false);
        }));
        rows.put("`target_modules: [\"c_atn\"]` on GPT-2 module names", message(() ->
                new PeftModel(model()).addAdapter("default", AdapterConfig.of("lora", 4, 8, TargetModules.of("c_atn")))));
        rows.put("LoRA rank 32 on a 16-wide layer", message(() ->
                new PeftModel(model()).addAdapter("default", AdapterConfig.of("lora", 32, 64, TargetModules.of("c_proj")))));
        rows.put("adapter_model.safetensors with an I32 tensor", message(() -> {
            Path adapter = Files.createDirectories(dir.resolve("adapter"));
            Files.writeString(adapter.resolve(PeftAdapterFormat.CONFIG_NAME),
                    "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"c_fc\"]}");
            Files.write(adapter.resolve(PeftAdapterFormat.WEIGHTS_NAME), safetensors(
                    "{\"transformer.h.0.mlp.c_fc.lora_A.weight\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
            PeftAdapterFormat.load(adapter, new PeftModel(model()), "default");
        }));
        rows.put("adapter_config.json with `\"peft_type\": \"IA3\"`", message(() -> {
            Path adapter = Files.createDirectories(dir.resolve("ia3"));
            Files.writeString(adapter.resolve(PeftAdapterFormat.CONFIG_NAME), "{\"peft_type\": \"IA3\", \"target_modules\": [\"c_fc\"]}");
            PeftAdapterFormat.readConfig(adapter);
        }));
        rows.put("safetensors header length 2^40", message(() -> Safetensors.read(safetensors(1L << 40, "{}", 0))));
        rows.put("safetensors tensor past the end of the file", message(() -> Safetensors.read(
                safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 16))));
        rows.put("ONNX file cut inside the graph", message(() -> OnnxReader.parse(new byte[] {0x3a, 0x10, 0x0a, 0x02})));
        rows.put("tokenizer.json of a BPE model", message(() -> WordPieceTokenizer.fromJson(new java.io.ByteArrayInputStream(
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}"
                        .getBytes(StandardCharsets.UTF_8)))));
        checkReadme(table(rows));
    }

    private String cli(String... args) {
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        int exit = commandLine.execute(args);
        String message = err.toString().strip();
        if (message.lines().count() != 1) fail("peft4j " + String.join(" ", args) + " printed more than one line:\n" + message);
        return "exit " + exit + ": " + normalize(message);
    }

    private String message(Failing failing) {
        try {
            failing.run();
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + normalize(e.getMessage());
        }
        return fail("no error");
    }

    private String normalize(String message) {
        return message.replace(dir.toString(), "<dir>");
    }

    private String truncatedCheckpointMessage() throws IOException {
        CausalLanguageModel model = model();
        AdamWOptimizer optimizer = adamW(model);
        Path folder = dir.resolve("checkpoints");
        new Checkpoints(folder, 2, m -> {}).save(10, model.parameters(), optimizer, Map.of());
        Path newest = new Checkpoints(folder, 2, m -> {}).save(20, model.parameters(), optimizer, Map.of());
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        List<String> log = new ArrayList<>();
        new Checkpoints(folder, 2, log::add).restoreLatest(model.parameters(), optimizer);
        return "log: " + normalize(String.join(" / ", log));
    }

    private static CausalLanguageModel model() {
        return new CausalLanguageModel(new GptDecoder(CONFIG, 11));
    }

    private static AdamWOptimizer adamW(CausalLanguageModel model) {
        return new AdamWOptimizer(ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false));
    }

    private static int[] corpus() {
        int[] tokens = new int[4000];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 5) % 13;
        return tokens;
    }

    private static void train(Path out, long steps, double lr) throws IOException {
        try (JvmBackend backend = new JvmBackend(1)) {
            CausalLanguageModel model = model();
            new Trainer(model, backend, adamW(model), new LearningRateSchedule.WarmupCosine(lr, 5, 40, 0.1),
                    new LanguageModelBatches(corpus(), 4, 12, 5), null,
                    new Trainer.Settings(steps, 0, 10, 2, 1.0, out, false, false), m -> {}).run();
        }
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return safetensors(json.length, header, dataBytes);
    }

    private static byte[] safetensors(long declaredHeaderLength, String header, int dataBytes) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredHeaderLength).array());
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    private static String table(Map<String, String> rows) {
        StringBuilder sb = new StringBuilder("| Bad input | What peft4j says |\n| --- | --- |\n");
        rows.forEach((input, message) -> sb.append("| ").append(cell(input)).append(" | ").append(cell(message)).append(" |\n"));
        return sb.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", "<br>");
    }

    private static void checkReadme(String table) throws IOException {
        Path readme = Path.of("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf(BEGIN), end = text.indexOf(END);
        if (begin < 0 || end < begin) fail("README.md lacks the markers " + BEGIN + " … " + END);
        String current = text.substring(begin + BEGIN.length(), end);
        String wanted = "\n" + table;
        if (current.equals(wanted)) return;
        if (Boolean.getBoolean("peft4j.updateReadme")) {
            Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + wanted + text.substring(end));
            return;
        }
        assertEquals(wanted, current, "README.md's error table is stale (rerun with -Dpeft4j.updateReadme=true to rewrite it):\n"
                + diff(current.lines().toList(), wanted.lines().toList()));
    }

    /** The lines only in README (−) and only in the generated table (+). */
    private static String diff(List<String> current, List<String> wanted) {
        StringBuilder sb = new StringBuilder();
        current.stream().filter(l -> !wanted.contains(l)).forEach(l -> sb.append("- ").append(l).append('\n'));
        wanted.stream().filter(l -> !current.contains(l)).forEach(l -> sb.append("+ ").append(l).append('\n'));
        return sb.toString();
    }
}
