package org.peft4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.nn.DenseWeight;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.peft.format.PeftAdapterFormat;
import org.peft4j.peft.format.SaveOptions;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.TinyModels;
import picocli.CommandLine;

/** {@code peft4j merge} on saved tiny-BERT LoRAs: the written adapter loads back and carries the merged ΔW. */
class MergeCommandTest {

    /** A saved LoRA (r 2, α 4 on query and value) with random A and B, so that ΔW ≠ 0. */
    private static PeftModel saved(Path dir, long seed) throws Exception {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 1));
        var set = model.addAdapter("default", AdapterConfig.of("lora", 2, 4f, TargetModules.of("query", "value"))
                .withModulesToSave("classifier").withSeed(seed));
        long s = seed;
        for (var adapter : set.byModule().values()) {
            Tensor b = adapter.peftTensors().get("lora_B.weight");
            b.copyFrom(Tensor.normal(s++, 0.5f, b.shape()));
        }
        PeftAdapterFormat.save(dir, model, "default", new SaveOptions(null, null));
        return model;
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void catMergeLoadsBackWithTheSumOfDeltas(@TempDir Path tmp) throws Exception {
        PeftModel one = saved(tmp.resolve("one"), 3), two = saved(tmp.resolve("two"), 11);
        StringWriter err = new StringWriter();
        int exit = run(err, "merge", "--method", "cat", "--adapters", tmp.resolve("one") + "," + tmp.resolve("two"),
                "--out", tmp.resolve("nested").resolve("merged").toString(), "--head-from", "2");
        assertEquals(0, exit, err.toString());
        PeftModel merged = new PeftModel(TinyModels.bertClassifier(0f, 1));
        var set = PeftAdapterFormat.load(tmp.resolve("nested").resolve("merged"), merged, "m"); // a missing parent is created
        assertEquals(4, set.config().r());
        set.byModule().forEach((module, adapter) -> {
            Tensor w = ((DenseWeight) merged.linears().get(module).weight()).dense();
            Tensor expected = one.adapters().get("default").byModule().get(module).deltaWeight(w);
            Tensor other = two.adapters().get("default").byModule().get(module).deltaWeight(w);
            Tensor actual = adapter.deltaWeight(w);
            for (int i = 0; i < actual.size(); i++) assertEquals(expected.at(i) + other.at(i), actual.at(i), 1e-5, module + " ΔW[" + i + "]");
        });
        Tensor head = merged.modulesToSave("classifier").getFirst().value();
        Tensor headTwo = two.modulesToSave("classifier").getFirst().value();
        for (int i = 0; i < head.size(); i++) assertEquals(headTwo.at(i), head.at(i), 0f);
    }

    @Test
    void unknownMethodIsAOneLineError(@TempDir Path tmp) throws Exception {
        saved(tmp.resolve("one"), 3);
        saved(tmp.resolve("two"), 5);
        StringWriter err = new StringWriter();
        int exit = run(err, "merge", "--method", "ties", "--adapters", tmp.resolve("one") + "," + tmp.resolve("two"), "--out",
                tmp.resolve("m").toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("--method 'ties' is not one of lego, linear, cat"), err.toString());
    }
}
