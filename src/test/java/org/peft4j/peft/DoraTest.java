package org.peft4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.peft4j.testing.AllClose.assertAllClose;
import static org.peft4j.testing.Matrices.of;
import static org.peft4j.testing.Matrices.plus;
import static org.peft4j.testing.Matrices.times;
import static org.peft4j.testing.Matrices.timesTransposed;
import static org.peft4j.testing.Matrices.transposedTimes;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.TokenBatch;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;
import org.peft4j.testing.TinyModels;

/** DoRA against its formula in double precision, finite differences, merging and its parameter count. */
class DoraTest {
    private static final JvmBackend ops = new JvmBackend(1);
    private static final TokenBatch batch = TinyModels.batch();
    private static final TargetModules QV = TargetModules.of("query", "value");

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void startsAtTheBaseOutputWithTheMagnitudeAtTheRowNorms() {
        SequenceClassifier base = TinyModels.bertClassifier(0f, 3);
        float[] before = AdapterChecks.logits(ops, base, batch);
        PeftModel model = new PeftModel(base);
        var set = model.addAdapter("default", AdapterConfig.of("dora", 2, 4, QV));
        assertAllClose(toDouble(before), AdapterChecks.logits(ops, model, batch), 1e-5, 1e-6, "DoRA at B = 0");
        String module = "encoder.layer.1.attention.self.value";
        Tensor w = ((DenseWeight) model.linears().get(module).weight()).dense();
        Tensor m = ((Dora.Layer) set.byModule().get(module)).magnitude().value();
        for (int i = 0; i < w.rows(); i++) {
            double norm = 0;
            for (int j = 0; j < w.cols(); j++) norm += (double) w.get(i, j) * w.get(i, j);
            assertEquals(Math.sqrt(norm), m.at(i), 1e-6, "m[" + i + "] = ‖W_i‖");
        }
    }

    /** Forward and the detached-norm backward of one 5×7 layer, rank 3, against the formulas in double. */
    @Test
    void forwardAndDetachedNormGradientsMatchTheFormulas() {
        int in = 7, out = 5, rows = 4;
        float s = 5f / 3;
        Linear layer = AdapterChecks.adaptedLinear(AdapterConfig.of("dora", 3, 5, TargetModules.of("layer")), in, out, 11);
        Dora.Layer dora = (Dora.Layer) layer.adapters().get(0);
        perturb(dora, 12);
        Tensor x = Tensor.uniform(13, 1f, rows, in), dy = Tensor.uniform(14, 1f, rows, out);

        DMatrixRMaj w = of(((DenseWeight) layer.weight()).dense()), a = of(dora.branch().a().value()), b = of(dora.branch().b().value());
        DMatrixRMaj xm = of(x), dym = of(dy);
        DMatrixRMaj v = plus(w, s, times(b, a));
        DMatrixRMaj xa = timesTransposed(xm, a);
        DMatrixRMaj z = plus(timesTransposed(xm, w), s, timesTransposed(xa, b));
        double[] c = new double[out], norm = new double[out];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) norm[i] += v.get(i, j) * v.get(i, j);
            norm[i] = Math.sqrt(norm[i]);
            c[i] = dora.magnitude().value().at(i) / norm[i];
        }
        double[] expectedY = new double[rows * out];
        DMatrixRMaj dz = new DMatrixRMaj(rows, out);
        double[] expectedDm = new double[out];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < out; i++) {
                expectedY[r * out + i] = c[i] * z.get(r, i) + layer.bias().value().at(i);
                dz.set(r, i, c[i] * dym.get(r, i));
                expectedDm[i] += dym.get(r, i) * z.get(r, i) / norm[i];
            }
        }
        assertAllClose(expectedY, layer.forward(ops, x).toArray(), 1e-5, 1e-6, "y = c ⊙ (x·Wᵀ + s·x·Aᵀ·Bᵀ) + bias");

        layer.parameters().forEach(Parameter::zeroGrad);
        float[] dx = layer.backward(ops, dy).toArray();
        DMatrixRMaj dzB = times(dz, b);
        assertAllClose(expectedDm, dora.magnitude().grad().toArray(), 1e-5, 1e-6, "dm = Σ dy ⊙ z / ‖V‖");
        assertAllClose(scaled(s, transposedTimes(dz, xa)), dora.branch().b().grad().toArray(), 1e-5, 1e-6, "dB = s·dzᵀ·x·Aᵀ");
        assertAllClose(scaled(s, transposedTimes(dzB, xm)), dora.branch().a().grad().toArray(), 1e-5, 1e-6, "dA = s·(dz·B)ᵀ·x");
        assertAllClose(plus(times(dz, w), s, times(dzB, a)).data, dx, 1e-5, 1e-6, "dx = dz·W + s·dz·B·A");
    }

    @Test
    void exactNormGradientPassesTheFiniteDifferenceCheck() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(AdapterConfig.of("dora", 3, 6, QV).withDropout(0.2f)
                .withOption("dora_norm_gradient", true).withModulesToSave("classifier"), 4), batch);
    }

    @Test
    void magnitudeGradientWithTheDetachedNormPassesTheFiniteDifferenceCheck() {
        AdapterChecks.gradientCheck(ops, AdapterChecks.adapted(AdapterConfig.of("dora", 2, 4, QV).withDropout(0.2f), 5),
                batch, p -> p.name().contains(".lora_magnitude_vector."));
    }

    @Test
    void recordedPlanReplaysTheStepWithNewParameters() {
        AdapterChecks.planReplaysTheStep(ops, AdapterChecks.adapted(AdapterConfig.of("dora", 2, 4, QV).withDropout(0.2f).withOption("dora_norm_gradient", true), 9), batch, 10);
    }

    @Test
    void mergeEqualsTheUnmergedForwardAndUnmergeRestoresTheBase() {
        PeftModel model = AdapterChecks.adapted(AdapterConfig.of("dora", 2, 4, QV), 6);
        Tensor w = ((DenseWeight) model.linears().get("encoder.layer.0.attention.self.query").weight()).dense();
        float[] original = w.toArray();
        float[] adapted = AdapterChecks.logits(ops, model, batch);
        model.merge();
        assertAllClose(toDouble(adapted), AdapterChecks.logits(ops, model, batch), 1e-5, 1e-6, "merged DoRA");
        model.unmerge();
        assertArrayEquals(original, w.toArray(), 1e-6f);
    }

    @Test
    void countsAandBandOneMagnitudePerOutput() {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0f, 3));
        model.addAdapter("default", AdapterConfig.of("dora", 2, 4, QV));
        assertEquals(4L * (2 * (8 + 8) + 8), model.trainableParameterCount());
        assertEquals("LORA", AdapterMethods.get("dora").peftType());
    }

    @Test
    void refusesABaseWeightThatTrains() {
        Linear layer = AdapterChecks.adaptedLinear(AdapterConfig.of("dora", 2, 2, TargetModules.of("layer")), 4, 3, 7);
        ((DenseWeight) layer.weight()).weight().setTrainable(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> layer.forward(ops, Tensor.uniform(1, 1f, 2, 4)));
        assertTrue(e.getMessage().contains("layer") && e.getMessage().contains("frozen"), e.getMessage());
    }

    private static void perturb(Dora.Layer dora, long seed) {
        for (Parameter p : dora.parameters()) {
            Tensor noise = Tensor.uniform(seed++, 0.5f, p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().put(i, p.value().at(i) + noise.at(i));
        }
    }

    private static double[] scaled(double s, DMatrixRMaj m) {
        double[] d = m.data.clone();
        for (int i = 0; i < d.length; i++) d[i] *= s;
        return d;
    }

    private static double[] toDouble(float[] a) {
        return org.peft4j.testing.ReferenceOps.toDouble(a);
    }
}
