package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.testing.TinyModels;

/** The kv-lora preset adapts exactly the attention key and value projections. */
class AdapterPresetsTest {
    @Test
    void kvLoraTargetsKeyAndValueOnly() {
        AdapterPresets.Preset p = AdapterPresets.get("kv-lora");
        assertEquals("lora", p.method());
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 1));
        var set = model.addAdapter("kv", AdapterConfig.of(p.method(), 2, 4f, TargetModules.of(p.targets().toArray(String[]::new))));
        assertEquals(List.of("encoder.layer.0.attention.self.key", "encoder.layer.0.attention.self.value",
                "encoder.layer.1.attention.self.key", "encoder.layer.1.attention.self.value"), List.copyOf(set.byModule().keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> AdapterPresets.get("qv-lora"));
        assertTrue(e.getMessage().contains("known: kv-lora"), e.getMessage());
    }
}
