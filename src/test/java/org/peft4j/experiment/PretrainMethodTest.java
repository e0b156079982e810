package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peft4j.nn.lowrank.WeightSpec;

/** Method names map to spec keys; the weight parameterisation is read from and checked in the spec. */
class PretrainMethodTest {

    @Test
    void methodsSetTheWeightKindOverTheDefaults() {
        for (PretrainMethod m : PretrainMethod.values()) {
            ExperimentSpec spec = ExperimentSpec.withOverrides(m.overrides());
            WeightSpec w = spec.model().weight();
            boolean dense = m == PretrainMethod.FULL || m == PretrainMethod.GALORE || m == PretrainMethod.DCT;
            assertEquals(dense ? "dense" : m.id(), w.kind());
            assertEquals(switch (m) { case GALORE -> "galore"; case DCT -> "dct"; default -> "adamw"; }, spec.optimizer().name());
            assertEquals(32, w.rank(), "default rank");
            assertEquals(0.03, w.density(), 0, "default density, as SLTrain");
        }
        assertEquals(PretrainMethod.SLTRAIN, PretrainMethod.parse(" SLTrain "));
    }

    @Test
    void unknownMethodsAndBadWeightSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PretrainMethod.parse("lora"));
        assertEquals("unknown pretraining method 'lora'; known: [full, lowrank, sltrain, lost, galore, dct]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ExperimentSpec.withOverrides(Map.of("model.weight.kind", "sltrain", "model.weight.density", 1.5)));
        assertTrue(e.getMessage().contains("weight.density must lie in (0, 1) for sltrain, got 1.5") && e.getMessage().contains("model.weight"),
                e.getMessage());
    }
}
