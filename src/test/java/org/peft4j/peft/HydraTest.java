package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.peft4j.testing.AllClose.assertAllClose;

import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.MatrixReference;
import org.peft4j.testing.TinyModels;

/** Hydra: a parallel LoRA branch on x and a sequential one on the pre-trained features W₀x. */
class HydraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules TARGETS = TargetModules.of("query", "intermediate.dense", "output.dense");

    @AfterAll
    static void close() { ops.close(); }

    private static AdapterConfig hydra(int r, int seqRank) {
        return AdapterConfig.of("hydra", r, 6, TARGETS).withOption("hydra_seq_r", seqRank);
    }

    @Test
    void zeroBAndBPrimeLeaveTheOutputUnchanged() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        model.addAdapter("default", hydra(2, 3));
        assertArrayEquals(before, AdapterChecks.logits(ops, model, batch), 0f);
    }

    @Test
    void aLayerComputesBothBranchesAndTheirInputGradients() {
        PeftModel model = AdapterChecks.adapted(hydra(2, 3), 11);
        String module = "encoder.layer.0.intermediate.dense";
        Linear linear = model.linears().get(module);
        var adapter = (Hydra.Branches) model.adapters().get("default").byModule().get(module);
        Tensor w = ((DenseWeight) linear.weight()).dense();
        RealMatrix w0 = MatrixReference.of(w), bias = MatrixReference.of(linear.bias().value().reshape(1, 12));
        RealMatrix parallel = MatrixReference.of(adapter.parallel().b().value()).multiply(MatrixReference.of(adapter.parallel().a().value()))
                .scalarMultiply(6.0 / 2);
        RealMatrix sequential = MatrixReference.of(adapter.sequential().b().value()).multiply(MatrixReference.of(adapter.sequential().a().value()))
                .scalarMultiply(6.0 / 3);
        RealMatrix adapted = w0.add(parallel).add(sequential.multiply(w0));
        Tensor x = Tensor.normal(12, 1f, 5, 8), dy = Tensor.normal(13, 1f, 5, 12);
        RealMatrix expected = MatrixReference.of(x).multiply(adapted.transpose());
        for (int i = 0; i < 5; i++) expected.setRowMatrix(i, expected.getRowMatrix(i).add(bias));
        assertAllClose(MatrixReference.values(expected), linear.forward(ops, x).toArray(), 1e-5, 1e-6,
                "y = W₀x + b + s·B·A·x + s'·B'·A'·W₀x");
        assertAllClose(MatrixReference.values(MatrixReference.of(dy).multiply(adapted)), linear.backward(ops, dy).toArray(), 1e-5, 1e-6,
                "dx = dy·(W₀ + s·B·A + s'·B'·A'·W₀)");
    }

    @Test
    void gradientsOfBothBranchesWithDropoutAndRslora() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(hydra(2, 3).withDropout(0.2f).withRslora(true)
                .withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void aRecordedPlanReplaysTheDirectPass() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(hydra(2, 3).withDropout(0.2f), 6), batch, 99);
    }

    @Test
    void mergeAddsTheParallelUpdateAndTheSequentialUpdateThroughW0() {
        AdapterChecks.mergeMatchesUnmerged(ops, AdapterChecks.adapted(hydra(2, 3), 5), batch, 1e-5f);
    }

    @Test
    void countsBothBranches() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", hydra(2, 3));
        // each of the 2 layers: query and attention.output.dense 8 → 8, intermediate.dense 8 → 12, output.dense 12 → 8
        long perLayer = count(8, 8) + count(8, 8) + count(8, 12) + count(12, 8);
        assertEquals(2 * perLayer, model.trainableParameterCount());
    }

    /** A [r, in] + B [out, r] with r = 2, and A' [r', out] + B' [out, r'] with r' = 3. */
    private static long count(int in, int out) {
        return 2L * (in + out) + 3L * (out + out);
    }
}
