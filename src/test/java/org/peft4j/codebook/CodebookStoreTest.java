package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.peft.format.SaveOptions;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.TinyModels;

/** A saved tiny-BERT LoRA through the codebook store: the decoded factors are the compressed ones, the codes file is packed. */
class CodebookStoreTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    @Test
    void storeRoundTripsTheCompressedFactors(@TempDir Path tmp) throws Exception {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 1));
        var set = model.addAdapter("default", AdapterConfig.of("lora", 3, 6f, TargetModules.of("query", "value", "dense"))
                .withModulesToSave("classifier").withSeed(5));
        long seed = 9;
        for (var adapter : set.byModule().values()) {
            Tensor b = adapter.peftTensors().get("lora_B.weight");
            b.copyFrom(Tensor.normal(seed++, 1f, b.shape()));
        }
        PeftAdapterFormat.save(tmp.resolve("lora"), model, "default", new SaveOptions(null, null));
        LoraFile lora = LoraFile.read(tmp.resolve("lora"));
        assertEquals(2f, lora.modules().values().iterator().next().scaling());
        AdapterCompression.Compressed c = AdapterCompression.compress(OPS, lora.modules(), 5, 4, 10, 2);
        CodebookStore.write(tmp.resolve("store"), lora, c);
        var decoded = CodebookStore.read(OPS, tmp.resolve("store"));
        assertEquals(c.modules().keySet(), decoded.keySet());
        c.modules().forEach((module, f) -> {
            assertArrayEquals(f.a().toArray(), decoded.get(module).a().toArray(), module);
            assertArrayEquals(f.b().toArray(), decoded.get(module).b().toArray(), module);
            assertEquals(f.scaling(), decoded.get(module).scaling());
        });
        long packed = c.groups().stream().mapToLong(g -> (g.codes().rows() * (long) PackedCodes.bitsFor(g.codes().codebooks().getFirst().rows()) + 7) / 8).sum();
        assertEquals(packed, Files.size(tmp.resolve("store").resolve(CodebookStore.CODES)));
    }
}
