package org.peft4j.codebook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A codebook-compressed LoRA on disk:
 * <pre>
 *   dir/adapter_config.json        the source adapter's config, unchanged
 *   dir/codebooks.safetensors      float32 codebooks "codebook.&lt;i&gt;" and the non-LoRA tensors (head) under their keys;
 *                                  metadata "codebook_layout": per codebook its part, width, piece, modules and ranks
 *   dir/codes.bin                  every codebook's indices, packed ({@link PackedCodes}) one codebook after another
 * </pre>
 * {@link #read} decodes it back into LoRA factors.
 */
public final class CodebookStore {
    private CodebookStore() {}

    public static final String CODEBOOKS = "codebooks.safetensors", CODES = "codes.bin", LAYOUT = "codebook_layout";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void write(Path dir, LoraFile source, AdapterCompression.Compressed c) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(source.extras());
        ArrayNode layout = JSON.createArrayNode();
        java.io.ByteArrayOutputStream codes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < c.groups().size(); i++) {
            AdapterCompression.Group g = c.groups().get(i);
            if (g.codes().codebooks().size() != 1) throw new IllegalArgumentException("the store holds single-stage codebooks");
            Tensor book = g.codes().codebooks().getFirst();
            tensors.put("codebook." + i, book);
            byte[] packed = PackedCodes.pack(g.codes().codes().getFirst().data(), book.rows());
            codes.write(packed);
            ObjectNode entry = layout.addObject().put("part", g.part()).put("width", g.width()).put("piece", g.piece())
                    .put("codes", book.rows()).put("indices", g.codes().rows()).put("bytes", packed.length);
            g.modules().forEach(entry.putArray("modules")::add);
            g.ranks().forEach(entry.putArray("ranks")::add);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PeftAdapterFormat.CONFIG_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(source.configJson()));
        Safetensors.write(dir.resolve(CODEBOOKS), tensors, Map.of(LAYOUT, JSON.writeValueAsString(layout)), DType.F32);
        try (OutputStream out = Files.newOutputStream(dir.resolve(CODES))) {
            codes.writeTo(out);
        }
    }

    /** The decoded factors (scaling from the stored config) of the store in {@code dir}. */
    public static Map<String, LoraFile.Factors> read(Ops ops, Path dir) throws IOException {
        var config = PeftAdapterFormat.readConfig(dir).config();
        SafetensorsFile file = Safetensors.read(dir.resolve(CODEBOOKS));
        ArrayNode layout = (ArrayNode) JSON.readTree(file.metadata().get(LAYOUT));
        byte[] codes = Files.readAllBytes(dir.resolve(CODES));
        Map<String, Tensor> a = new LinkedHashMap<>(), bt = new LinkedHashMap<>();
        int at = 0;
        for (int i = 0; i < layout.size(); i++) {
            var entry = layout.get(i);
            Tensor book = file.tensor("codebook." + i);
            int count = entry.get("indices").intValue(), bytes = entry.get("bytes").intValue(), width = entry.get("width").intValue();
            int[] indices = PackedCodes.unpack(java.util.Arrays.copyOfRange(codes, at, at + bytes), count, book.rows());
            at += bytes;
            Tensor decoded = new ResidualCodes(List.of(book), List.of(new IntTensor(indices, new int[] {count}))).decode(ops);
            List<String> modules = new ArrayList<>();
            entry.get("modules").forEach(m -> modules.add(m.textValue()));
            Map<String, Tensor> target = entry.get("part").textValue().equals("lora_A") ? a : bt;
            int row = 0;
            Tensor rows = decoded.reshape(decoded.size() / width, width);
            for (int m = 0; m < modules.size(); m++) {
                int r = entry.get("ranks").get(m).intValue();
                target.put(modules.get(m), rows.rows(row, row + r).copy());
                row += r;
            }
        }
        Map<String, LoraFile.Factors> out = new LinkedHashMap<>();
        a.forEach((module, factorA) -> out.put(module,
                new LoraFile.Factors(factorA, AdapterCompression.transpose(bt.get(module)), LoraFile.scaling(config, module))));
        return out;
    }
}
