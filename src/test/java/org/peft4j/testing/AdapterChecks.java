package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Plan;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GradientCheck.Probe;

/** Checks every adapter method needs: gradients of its parameters, and merge ≡ unmerged forward. */
public final class AdapterChecks {
    private AdapterChecks() {}

    /** Moves every trainable value off its initialisation (B = 0 would hide mistakes in A's gradient). */
    public static void perturbTrainable(PeftModel model, long seed, float amount) {
        for (Parameter p : model.parameters()) {
            if (!p.trainable()) continue;
            Tensor noise = Tensor.uniform(seed++, amount, p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().put(i, p.value().at(i) + noise.at(i));
        }
    }

    /** Float64 central differences for every trainable parameter of the adapted tiny model. */
    public static void gradientCheck(Ops ops, PeftModel model, TokenBatch batch) {
        List<Probe> probes = model.parameters().stream().filter(Parameter::trainable).map(Probe::of).toList();
        assertTrue(!probes.isEmpty(), "the adapter has trainable parameters");
        GradientCheck.check(() -> loss(ops, model, batch), () -> {
            model.parameters().forEach(Parameter::zeroGrad);
            model.forward(ops, batch, true);
            model.loss(ops, batch);
            model.backward(ops, true);
        }, probes, new GradientCheck.Settings(1e-2, 3e-2, 3e-4, 8, 21));
    }

    public static double loss(Ops ops, TrainableModel model, TokenBatch batch) {
        model.forward(ops, batch, true);
        return model.loss(ops, batch).at(0);
    }

    /** Logits of an evaluation pass, copied. */
    public static float[] logits(Ops ops, TrainableModel model, TokenBatch batch) {
        return model.forward(ops, batch, false).toArray();
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

    /**
     * A recorded training pass (zero gradients, forward, loss, backward) replays to exactly the loss
     * and gradients of the direct pass: the adapter reads no computed value on the host.
     */
    public static void planMatchesDirect(Ops ops, PeftModel model, TokenBatch batch) {
        List<Parameter> trainable = model.parameters().stream().filter(Parameter::trainable).toList();
        model.parameters().forEach(Parameter::zeroGrad);
        double direct = loss(ops, model, batch);
        model.backward(ops, true);
        List<float[]> gradients = trainable.stream().map(p -> p.grad().toArray()).toList();
        Tensor[] loss = new Tensor[1];
        Plan plan = Plan.record(recorder -> {
            for (Parameter p : trainable) recorder.fill(p.grad(), 0f);
            model.forward(recorder, batch, true);
            loss[0] = model.loss(recorder, batch);
            model.backward(recorder, true);
        });
        trainable.forEach(p -> p.grad().fill(7f));
        plan.run(ops);
        assertEquals(direct, loss[0].at(0), 0, "replayed loss");
        for (int i = 0; i < trainable.size(); i++) {
            assertArrayEquals(gradients.get(i), trainable.get(i).grad().toArray(), 0f, trainable.get(i).name() + " replayed");
        }
    }
}
