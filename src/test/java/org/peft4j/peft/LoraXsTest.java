package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;

import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.MatrixReference;
import org.peft4j.testing.TinyModels;

/** LoRA-XS: frozen truncated-SVD bases around an r×r core. */
class LoraXsTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    /** Square (8×8) and rectangular (12×8, 8×12) layers. */
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void aZeroCoreLeavesTheOutputUnchangedAndTheBasesAreTheTruncatedSvd() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("lora-xs", 3, 6, TARGETS).withOption("latent_init_std", 0.0));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
        set.byModule().forEach((module, adapter) -> {
            FrozenBasisBranch branch = ((FrozenBasisBranch.Additive) adapter).branches().get(0);
            Tensor w = ((DenseWeight) model.linears().get(module).weight()).dense();
            RealMatrix b = MatrixReference.of(branch.b()), a = MatrixReference.of(branch.a());
            assertAllClose(MatrixReference.values(MatrixReference.truncated(w, 3)), MatrixReference.floats(b.multiply(a)), 1e-4, 1e-7,
                    module + ": B·A = W_r");
            assertAllClose(MatrixReference.values(MatrixUtils.createRealIdentityMatrix(3)), MatrixReference.floats(b.transpose().multiply(b)), 0, 1e-6,
                    module + ": B = U_r has orthonormal columns");
        });
    }

    @Test
    void theDefaultCoreIsATinyGaussian() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var set = model.addAdapter("default", AdapterConfig.of("lora-xs", 3, 6, TARGETS));
        for (Adapter adapter : set.byModule().values()) {
            float[] r = ((BranchCore.Dense) ((FrozenBasisBranch.Additive) adapter).branches().get(0).core()).r().value().toArray();
            double max = 0;
            for (float v : r) max = Math.max(max, Math.abs(v));
            assertTrue(max > 0 && max < 6e-5, "R ~ N(0, 1e-10): max |R| = " + max);
        }
    }

    @Test
    void gradientOfTheCoreWithDropoutAndRslora() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(
                AdapterConfig.of("lora-xs", 3, 6, TARGETS).withDropout(0.2f).withRslora(true).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("lora-xs", 3, 6, TARGETS).withDropout(0.2f), 6), batch, 99);
    }

    @Test
    void mergeEqualsTheUnmergedForward() {
        AdapterChecks.mergeMatchesUnmerged(ops, AdapterChecks.adapted(AdapterConfig.of("lora-xs", 3, 6, TARGETS), 5), batch, 1e-5f);
    }

    @Test
    void onlyTheCoresTrainRSquaredValuesPerLayer() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("lora-xs", 3, 6, TARGETS));
        assertEquals(8L * 3 * 3, model.trainableParameterCount(), "8 layers × r²");
        for (Parameter p : model.parameters()) assertEquals(p.name().contains(".lora_latent_mapping."), p.trainable(), p.name());
    }
}
