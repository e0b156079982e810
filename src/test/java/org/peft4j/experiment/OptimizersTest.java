package org.peft4j.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.optim.AdamWOptimizer;
import org.peft4j.optim.AdjustedOptimizer;
import org.peft4j.optim.Allora;
import org.peft4j.optim.GaLoreAdamW;
import org.peft4j.optim.LoraPair;
import org.peft4j.optim.LoraPro;
import org.peft4j.optim.Optimizer;
import org.peft4j.optim.ParameterGroup;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.peft.TargetModules;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

class OptimizersTest {

    /** GPT-2 names: embedding, one attention matrix, a norm and an untied head. */
    private static List<Parameter> model() {
        return List.of(
                Parameter.trainable("transformer.wte.weight", Tensor.uniform(1, 1f, 11, 8)),
                Parameter.trainable("transformer.h.0.attn.c_attn.weight", Tensor.uniform(2, 1f, 8, 24)),
                Parameter.trainable("transformer.h.0.mlp.c_proj.weight", Tensor.uniform(3, 1f, 32, 8)),
                Parameter.trainable("transformer.h.0.ln_1.weight", Tensor.uniform(4, 1f, 8)),
                Parameter.trainable("lm_head.weight", Tensor.uniform(5, 1f, 11, 8)));
    }

    @Test
    void galoreProjectsTheHiddenMatricesOnly() {
        ExperimentSpec spec = ExperimentSpec.withOverrides(Map.of("optimizer.name", "galore", "optimizer.rank", 4));
        Optimizer optimizer = Optimizers.create(spec.optimizer(), model());
        var galore = assertInstanceOf(GaLoreAdamW.class, optimizer);
        assertEquals(new GaLoreAdamW.Projection(4, 200, 0.25), galore.projection(), "defaults T = 200, α = 0.25");
        Map<String, Tensor> state = optimizer.state();
        assertArrayEquals(new int[] {8, 4}, state.get("transformer.h.0.attn.c_attn.weight.ortho_matrix").shape(), "8×24: left side");
        assertArrayEquals(new int[] {4, 24}, state.get("transformer.h.0.attn.c_attn.weight.exp_avg").shape());
        assertArrayEquals(new int[] {4, 8}, state.get("transformer.h.0.mlp.c_proj.weight.ortho_matrix").shape(), "32×8: right side");
        assertArrayEquals(new int[] {11, 8}, state.get("transformer.wte.weight.exp_avg").shape(), "embeddings are not projected");
        assertArrayEquals(new int[] {11, 8}, state.get("lm_head.weight.exp_avg").shape(), "the head is not projected");
        assertFalse(state.containsKey("lm_head.weight.ortho_matrix"));
    }

    @Test
    void dctStoresSelectedIndices() {
        ExperimentSpec spec = ExperimentSpec.withOverrides(Map.of("optimizer.name", "dct", "optimizer.rank", 3,
                "optimizer.update_proj_gap", 50, "optimizer.scale", 1.0));
        var optimizer = assertInstanceOf(GaLoreAdamW.class, Optimizers.create(spec.optimizer(), model()));
        assertEquals(new GaLoreAdamW.Projection(3, 50, 1.0), optimizer.projection());
        assertArrayEquals(new int[] {3}, optimizer.state().get("transformer.h.0.mlp.c_proj.weight.dct_indices").shape());
    }

    @Test
    void specsWithoutProjectionKeysStillLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.json");
        Files.writeString(file, "{\"optimizer\": {\"name\": \"adamw\", \"lr\": 0.001}}");
        ExperimentSpec spec = ExperimentSpec.load(file, Map.of());
        assertEquals(32, spec.optimizer().rank());
        assertEquals(200, spec.optimizer().updateProjGap());
        assertEquals(0.25, spec.optimizer().scale());
    }

    @Test
    void rejectsUnknownNamesAndBadProjections() {
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create(
                ExperimentSpec.withOverrides(Map.of("optimizer.name", "lion")).optimizer(), model()));
        assertTrue(e.getMessage().contains("galore or dct"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentSpec.withOverrides(Map.of("optimizer.rank", 0)));
        assertTrue(e.getMessage().contains("optimizer.rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentSpec.withOverrides(Map.of("optimizer.scale", -1)));
        assertTrue(e.getMessage().contains("optimizer.scale"), e.getMessage());
    }

    private static final TargetModules QV = TargetModules.of("query", "value");

    /**
     * On a real LoRA model (tiny BERT, r = 2, α = 4, so s = 2) the pairs handed to LoRA-Pro are the model's own:
     * with the base weights made trainable to read G = ∂L/∂W, the backward pass gave g_A = s·Bᵀ·G and
     * g_B = s·G·Aᵀ (within 1e-5 of the largest entry), and after LoRA-Pro's adjustment s·(B·g_A + g_B·A) is
     * closer to G than plain LoRA's in every module.
     */
    @Test
    void loraProWorksOnTheModelsOwnLoraGradients() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var adapter = model.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV));
        AdapterChecks.perturbTrainable(model, 7, 0.3f);
        adapter.byModule().keySet().forEach(m -> ((DenseWeight) model.base().linears().get(m).weight()).weight().setTrainable(true));
        try (var ops = new JvmBackend(1)) {
            AdapterChecks.loss(ops, model, TinyModels.batch());
            model.backward(ops, true);
            List<LoraPair> pairs = Optimizers.loraPairs(adapter, "lora-pro");
            assertEquals(4, pairs.size(), "query and value in two layers");
            List<Tensor> fullGradients = adapter.byModule().keySet().stream()
                    .map(m -> ((DenseWeight) model.base().linears().get(m).weight()).weight().grad()).toList();
            double[] plain = new double[4];
            for (int k = 0; k < 4; k++) {
                LoraPair p = pairs.get(k);
                assertEquals(2.0, p.scale());
                DMatrixRMaj g = matrix(fullGradients.get(k)), a = matrix(p.a().value()), b = matrix(p.b().value());
                DMatrixRMaj expectedA = CommonOps_DDRM.multTransA(b, g, null);
                DMatrixRMaj expectedB = CommonOps_DDRM.multTransB(g, a, null);
                CommonOps_DDRM.scale(2, expectedA);
                CommonOps_DDRM.scale(2, expectedB);
                assertClose(expectedA, p.a().grad(), "g_A = s·Bᵀ·G at " + p.a().name());
                assertClose(expectedB, p.b().grad(), "g_B = s·G·Aᵀ at " + p.b().name());
                plain[k] = distance(p, g);
            }
            new LoraPro(pairs).adjust(ops);
            for (int k = 0; k < 4; k++) {
                double pro = distance(pairs.get(k), matrix(fullGradients.get(k)));
                assertTrue(pro < plain[k], pairs.get(k).a().name() + ": LoRA-Pro " + pro + " vs LoRA " + plain[k]);
            }
        }
    }

    private static DMatrixRMaj matrix(Tensor t) {
        DMatrixRMaj m = new DMatrixRMaj(t.rows(), t.cols());
        for (int i = 0; i < t.size(); i++) m.data[i] = t.at(i);
        return m;
    }

    private static void assertClose(DMatrixRMaj expected, Tensor actual, String what) {
        double tolerance = 1e-5 * CommonOps_DDRM.elementMaxAbs(expected);
        for (int i = 0; i < actual.size(); i++) assertEquals(expected.data[i], actual.at(i), tolerance, what + " [" + i + "]");
    }

    /** ‖s·(B·g_A + g_B·A) − G‖_F with the pair's current gradients. */
    private static double distance(LoraPair p, DMatrixRMaj g) {
        DMatrixRMaj out = CommonOps_DDRM.mult(matrix(p.b().value()), matrix(p.a().grad()), null);
        CommonOps_DDRM.multAdd(matrix(p.b().grad()), matrix(p.a().value()), out);
        CommonOps_DDRM.scale(p.scale(), out);
        return NormOps_DDRM.normF(CommonOps_DDRM.subtract(out, g, null));
    }

    @Test
    void finetuningOptimizersWrapAdamWAndCheckTheirAdapter() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var lora = model.addAdapter("default", AdapterConfig.of("lora", 2, 2, QV));
        List<ParameterGroup> groups = ParameterGroup.decayAndNoDecay(model.parameters(), 0.01, false);
        assertInstanceOf(AdamWOptimizer.class, Optimizers.forFinetuning("adamw", groups, lora, 0));
        var pro = assertInstanceOf(AdjustedOptimizer.class, Optimizers.forFinetuning("lora-pro", groups, lora, 0));
        assertInstanceOf(LoraPro.class, pro.adjustment());
        var allora = assertInstanceOf(AdjustedOptimizer.class, Optimizers.forFinetuning("allora", groups, lora, 4));
        assertInstanceOf(Allora.class, allora.adjustment());

        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.forFinetuning("lion", groups, lora, 0));
        assertTrue(e.getMessage().contains("lora-pro"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.forFinetuning("allora", groups, lora, 0));
        assertTrue(e.getMessage().contains("eta"), e.getMessage());

        PeftModel scaled = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var s2 = scaled.addAdapter("default", AdapterConfig.of("lora", 2, 4, QV));
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.forFinetuning("allora", groups, s2, 4));
        assertTrue(e.getMessage().contains("s = 2"), e.getMessage());
        PeftModel dropped = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var withDropout = dropped.addAdapter("default", AdapterConfig.of("lora", 2, 2, QV).withDropout(0.1f));
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.forFinetuning("allora", groups, withDropout, 4));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        PeftModel dora = new PeftModel(TinyModels.bertClassifier(0f, 3));
        var doraSet = dora.addAdapter("default", AdapterConfig.of("dora", 2, 2, QV));
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.forFinetuning("lora-pro", groups, doraSet, 0));
        assertTrue(e.getMessage().contains("dora"), e.getMessage());
    }
}
