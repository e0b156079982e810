package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Predicate;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Plan;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Linear;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Plan;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.peft.Adapter;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.AdapterMethods;
import org.peft4j.peft.AdapterSite;
import org.peft4j.peft.PeftModel;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck.Probe;

/** Checks every adapter method needs: gradients of its parameters, and merge ≡ unmerged forward. */
public final class AdapterChecks {
    private AdapterChecks() {}

    /** Moves every trainable value off its initialisation (B = 0 would hide mistakes in A's gradient). */
    public static void perturbTrainable(PeftModel model, long seed, float amount) {
        perturbTrainable(model.parameters(), seed, amount);
    }

    private static void perturbTrainable(List<Parameter> parameters, long seed, float amount) {
        for (Parameter p : parameters) {
            if (!p.trainable()) continue;
            Tensor noise = Tensor.uniform(seed++, amount, p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().put(i, p.value().at(i) + noise.at(i));
        }
    }

    /** Float64 central differences for every trainable parameter of the adapted tiny model. */
    public static void gradientCheck(Ops ops, PeftModel model, TokenBatch batch) {
        gradientCheck(ops, model, batch, p -> true);
    }

    /** {@link #gradientCheck(Ops, PeftModel, TokenBatch)} for the trainable parameters {@code which} selects. */
    public static void gradientCheck(Ops ops, PeftModel model, TokenBatch batch, Predicate<Parameter> which) {
        List<Probe> probes = model.parameters().stream().filter(Parameter::trainable).filter(which).map(Probe::of).toList();
        assertTrue(!probes.isEmpty(), "the adapter has trainable parameters");
        GradientCheck.check(() -> loss(ops, model, batch), () -> {
            model.parameters().forEach(Parameter::zeroGrad);
            model.forward(ops, batch, true);
            model.loss(ops, batch);
            model.backward(ops, true);
        }, probes, new GradientCheck.Settings(1e-2, 3e-2, 3e-4, 8, 21));
    }

    /**
     * Freezes {@code layer}, attaches {@code config}'s method to it as adapter "default" of module
     * "layer" and perturbs the adapter's trainable values.
     */
    public static Adapter attach(Linear layer, AdapterConfig config, long seed) {
        layer.parameters().forEach(p -> p.setTrainable(false));
        Adapter adapter = AdapterMethods.get(config.method()).create(new AdapterSite("default", "layer", layer, config.r(),
                config.alpha(), config, new HashMap<>(), new DropoutSites(seed)));
        layer.adapters().add(adapter);
        perturbTrainable(adapter.parameters(), seed * 31, 0.3f);
        return adapter;
    }

    /**
     * Float64 finite differences of {@code Σ w ⊙ layer(x)} on random x [rows, in] and w, for every
     * trainable parameter of the layer and for x: gradients of order one, so that the absolute
     * tolerance cannot hide a wrong term as it can behind a whole model's small gradients.
     */
    public static void layerGradientCheck(Ops ops, Linear layer, int rows, long seed) {
        Tensor x = Tensor.uniform(seed, 1f, rows, layer.inFeatures()), w = Tensor.uniform(seed + 1, 1f, rows, layer.outFeatures());
        Tensor dx = Tensor.zeros(rows, layer.inFeatures());
        List<Probe> probes = new ArrayList<>(layer.parameters().stream().filter(Parameter::trainable).map(Probe::of).toList());
        probes.add(new Probe("x", x, dx));
        GradientCheck.check(() -> GradientCheck.weightedSum(layer.forward(ops, x), w), () -> {
            layer.parameters().forEach(Parameter::zeroGrad);
            layer.forward(ops, x);
            dx.copyFrom(layer.backward(ops, w));
        }, probes, GradientCheck.Settings.defaults());
    }

    /**
     * Records one training step (zero gradients, forward, loss, backward) as a {@link Plan}, moves
     * the parameters and dirties the gradients, replays the plan and requires exactly the loss and
     * gradients of the same step run directly: nothing the adapter computes may be fixed at record
     * time, and the plan must zero the gradients itself.
     */
    public static void planReplaysTheStep(Ops ops, PeftModel model, TokenBatch batch, long seed) {
        List<Parameter> trainable = model.parameters().stream().filter(Parameter::trainable).toList();
        Tensor[] loss = new Tensor[1];
        Plan plan = Plan.record(recorder -> {
            for (Parameter p : trainable) recorder.fill(p.grad(), 0f);
            model.forward(recorder, batch, true);
            loss[0] = model.loss(recorder, batch);
            model.backward(recorder, true);
        });
        perturbTrainable(model, seed, 0.2f);
        trainable.forEach(p -> p.grad().fill(7f));
        plan.run(ops);
        float replayedLoss = loss[0].at(0);
        List<float[]> replayed = trainable.stream().map(p -> p.grad().toArray()).toList();
        trainable.forEach(Parameter::zeroGrad);
        double direct = loss(ops, model, batch);
        model.backward(ops, true);
        assertEquals(direct, replayedLoss, 0.0, "loss of the replayed plan");
        for (int i = 0; i < trainable.size(); i++) {
            assertArrayEquals(trainable.get(i).grad().toArray(), replayed.get(i), 0f, trainable.get(i).name() + " gradient of the replayed plan");
        }
    }

    public static double loss(Ops ops, TrainableModel model, TokenBatch batch) {
        model.forward(ops, batch, true);
        return model.loss(ops, batch).at(0);
    }

    /** Logits of an evaluation pass, copied. */
    public static float[] logits(Ops ops, TrainableModel model, TokenBatch batch) {
        return model.forward(ops, batch, false).toArray();
    }

    /**
     * A frozen Linear {@code "layer"} of {@code out × in} with a bias, and the adapter that
     * {@code config} (at its rank and alpha) creates on it, attached.
     */
    public static Linear adaptedLinear(AdapterConfig config, int in, int out, long seed) {
        Linear linear = Linear.create("layer", in, out, true, seed);
        linear.parameters().forEach(p -> p.setTrainable(false));
        Adapter adapter = AdapterMethods.get(config.method()).create(new AdapterSite("default", "layer", linear,
                config.r(), config.alpha(), config, new HashMap<>(), new DropoutSites(seed)));
        linear.adapters().add(adapter);
        return linear;
    }

    /** A model with {@code config} attached as adapter "default", parameters perturbed. */
    public static PeftModel adapted(AdapterConfig config, long seed) {
        PeftModel model = new PeftModel(TinyModels.bertClassifier(0.1f, seed));
        model.addAdapter("default", config);
        perturbTrainable(model, seed * 31, 0.3f);
        return model;
    }

    /**
     * Merging the active adapter gives the unmerged forward within {@code tol}, with no adapter left
     * running; unmerging restores the adapted layers' weights and the adapted forward.
     */
    public static void mergeMatchesUnmerged(Ops ops, PeftModel model, TokenBatch batch, float tol) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (String module : model.adapters().get(model.activeAdapter()).byModule().keySet()) {
            weights.put(module, ((DenseWeight) model.linears().get(module).weight()).dense().toArray());
        }
        float[] adapted = logits(ops, model, batch);
        model.merge();
        assertTrue(model.linears().values().stream().allMatch(l -> l.adapters().isEmpty()), "merged adapters no longer run");
        assertArrayEquals(adapted, logits(ops, model, batch), tol, "merged forward");
        model.unmerge();
        weights.forEach((module, w) -> assertArrayEquals(w, ((DenseWeight) model.linears().get(module).weight()).dense().toArray(),
                1e-6f, module + " after unmerge"));
        assertArrayEquals(adapted, logits(ops, model, batch), tol, "unmerged forward");
    }
}
