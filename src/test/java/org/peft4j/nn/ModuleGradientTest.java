package org.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck;
import org.peft4j.testing.GradientCheck.Probe;
import org.peft4j.testing.GradientCheck.Settings;

/** Every module's backward against float64 central differences of {@code L = Σ w ⊙ module(x)}. */
class ModuleGradientTest {
    private static final JvmBackend ops = new JvmBackend(1);

    @AfterAll
    static void close() { ops.close(); }

    @Test
    void linearWithBias() {
        Linear layer = Linear.create("fc", 7, 5, true, 1);
        Tensor x = Tensor.uniform(2, 1, 3, 7), dx = Tensor.zeros(3, 7).named("x.grad"), w = Tensor.uniform(3, 1, 3, 5);
        List<Probe> probes = new ArrayList<>(params(layer));
        probes.add(new Probe("x", x, dx));
        GradientCheck.check(() -> GradientCheck.weightedSum(layer.forward(ops, x), w), () -> {
            zero(layer);
            layer.forward(ops, x);
            layer.backward(ops, w, dx, false);
        }, probes, Settings.defaults());
    }

    @Test
    void frozenLinearStoresNoWeightGradientButPassesInputGradient() {
        Parameter weight = Parameter.frozen("fc.weight", Tensor.uniform(4, 1, 5, 7));
        Linear layer = new Linear("fc", new DenseWeight(weight), null);
        assertNull(weight.grad());
        Tensor x = Tensor.uniform(5, 1, 3, 7), dx = Tensor.zeros(3, 7), w = Tensor.uniform(6, 1, 3, 5);
        GradientCheck.check(() -> GradientCheck.weightedSum(layer.forward(ops, x), w), () -> {
            layer.forward(ops, x);
            layer.backward(ops, w, dx, false);
        }, List.of(new Probe("x", x, dx)), Settings.defaults());
    }

    @Test
    void linearRejectsWrongInputWidthNamingTheLayer() {
        Linear layer = Linear.create("encoder.layer.0.attention.self.query", 7, 5, true, 1);
        ShapeException e = assertThrows(ShapeException.class, () -> layer.forward(ops, Tensor.zeros(3, 6)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("encoder.layer.0.attention.self.query"), e.getMessage());
    }

    @Test
    void layerNorm() {
        LayerNorm norm = LayerNorm.create("ln", 9, 1e-5f);
        perturb(norm);
        Tensor x = Tensor.uniform(7, 2, 4, 9);
        checkUnary(norm, x, () -> norm.forward(ops, x), dy -> norm.backward(ops, dy));
    }

    @Test
    void rmsNorm() {
        RmsNorm norm = RmsNorm.create("rms", 9, 1e-6f);
        perturb(norm);
        Tensor x = Tensor.uniform(8, 2, 4, 9);
        checkUnary(norm, x, () -> norm.forward(ops, x), dy -> norm.backward(ops, dy));
    }

    @Test
    void activations() {
        for (Activation act : Activation.values()) {
            Tensor x = Tensor.uniform(9, 3, 5, 6), y = Tensor.zeros(5, 6), dx = Tensor.zeros(5, 6), w = Tensor.uniform(10, 1, 5, 6);
            GradientCheck.check(() -> {
                act.forward(ops, x, y);
                return GradientCheck.weightedSum(y, w);
            }, () -> act.backward(ops, x, w, dx), List.of(new Probe(act + ".x", x, dx)), Settings.defaults());
        }
    }

    @Test
    void embeddingScattersIntoRepeatedIds() {
        Embedding emb = Embedding.create("emb", 6, 4, 1f, 3);
        IntTensor ids = new IntTensor(new int[] {1, 4, 1, 0, 5}, new int[] {5});
        Tensor w = Tensor.uniform(11, 1, 5, 4);
        GradientCheck.check(() -> GradientCheck.weightedSum(emb.forward(ops, ids), w), () -> {
            zero(emb);
            emb.forward(ops, ids);
            emb.backward(ops, w);
        }, params(emb), Settings.defaults());
    }

    @Test
    void dropoutBackwardUsesTheForwardMask() {
        DropoutSites sites = new DropoutSites(5);
        sites.setStep(3);
        Dropout dropout = sites.create("drop", 0.3f);
        Tensor x = Tensor.uniform(12, 1, 6, 8), w = Tensor.uniform(13, 1, 6, 8);
        Tensor dx = Tensor.zeros(6, 8);
        GradientCheck.check(() -> GradientCheck.weightedSum(dropout.forward(ops, x, true), w),
                () -> dx.copyFrom(dropout.backward(ops, w, true)),
                List.of(new Probe("x", x, dx)), Settings.defaults());
    }

    private static void checkUnary(Module m, Tensor x, java.util.function.Supplier<Tensor> forward,
                                   java.util.function.Function<Tensor, Tensor> backward) {
        Tensor w = Tensor.uniform(99, 1, x.shape());
        Tensor dxCopy = Tensor.zeros(x.shape()).named("x.grad");
        List<Probe> probes = new ArrayList<>(params(m));
        probes.add(new Probe("x", x, dxCopy));
        GradientCheck.check(() -> GradientCheck.weightedSum(forward.get(), w), () -> {
            zero(m);
            forward.get();
            dxCopy.copyFrom(backward.apply(w));
        }, probes, Settings.defaults());
    }

    static List<Probe> params(Module m) {
        return m.parameters().stream().filter(Parameter::trainable).map(Probe::of).toList();
    }

    static void zero(Module m) {
        m.parameters().forEach(Parameter::zeroGrad);
    }

    /** Moves parameters off their initial values (γ = 1, β = 0 would hide mistakes). */
    static void perturb(Module m) {
        long seed = 1000;
        for (Parameter p : m.parameters()) {
            Tensor noise = Tensor.uniform(seed++, 0.5f, p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().put(i, p.value().at(i) + noise.at(i));
        }
    }
}
