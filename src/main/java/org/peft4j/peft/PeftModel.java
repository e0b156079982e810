package org.peft4j.peft;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peft4j.backend.Ops;
import org.peft4j.codebook.QuantizedWeight;
import org.peft4j.codebook.RequantizedMerge;
import org.peft4j.nn.AdaptableModel;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.DropoutSites;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.tensor.Tensor;
import org.peft4j.train.StepListener;

/**
 * A base model with named adapters, as PEFT's {@code PeftModel}: the base is frozen, adapters
 * attach to the Linear layers their {@link TargetModules} select, one adapter is active at a time
 * (or none, when disabled), and {@code modules_to_save} (a new head) stays trainable.
 * <pre>
 *   PeftModel peft = new PeftModel(classifier);
 *   peft.addAdapter("default", AdapterConfig.of("lora", 8, 16, TargetModules.of("query", "value")));
 *   … train peft like any model …
 *   peft.mergeAndUnload();        // W ← W + ΔW; the base runs alone again
 * </pre>
 */
public final class PeftModel implements AdaptableModel, StepListener {

    /** One named adapter: its config, method and the adapter on each targeted module. */
    public record AdapterSet(String name, AdapterConfig config, AdapterMethod method, Map<String, Adapter> byModule) {
        public long trainableParameterCount() {
            return byModule.values().stream().mapToLong(Adapter::trainableParameterCount).sum();
        }

        /** The tensors shared by all modules ({@link Adapter#sharedPeftTensors}), once each. */
        public Map<String, Tensor> sharedPeftTensors() {
            Map<String, Tensor> shared = new LinkedHashMap<>();
            for (Adapter a : byModule.values()) shared.putAll(a.sharedPeftTensors());
            return shared;
        }
    }

    private final AdaptableModel base;
    private final Map<String, AdapterSet> adapters = new LinkedHashMap<>();
    private final Map<String, Map<String, Tensor>> mergedDeltas = new HashMap<>();
    private final Map<String, Map<String, WeightParameterization>> replacedWeights = new HashMap<>();
    private String active;
    private boolean enabled = true;

    public PeftModel(AdaptableModel base) {
        this.base = base;
        for (Parameter p : base.parameters()) p.setTrainable(false);
    }

    public AdaptableModel base() { return base; }
    public String activeAdapter() { return active; }
    public Map<String, AdapterSet> adapters() { return java.util.Collections.unmodifiableMap(adapters); }

    /** Creates adapter {@code name} on every targeted Linear; the first adapter added becomes active. */
    public AdapterSet addAdapter(String name, AdapterConfig config) {
        if (adapters.containsKey(name)) throw new IllegalArgumentException("an adapter named '" + name + "' exists already");
        AdapterMethod method = AdapterMethods.get(config.method());
        Map<String, Linear> linears = base.linears();
        List<String> targeted = linears.keySet().stream().filter(m -> config.targets().matches(m, base.headModules())).toList();
        if (targeted.isEmpty()) throw new IllegalArgumentException(noMatchMessage(config.targets(), linears.keySet()));
        Map<String, Object> shared = new HashMap<>();
        Map<String, Adapter> byModule = new LinkedHashMap<>();
        for (String module : targeted) {
            Linear linear = linears.get(module);
            int rank = config.rankFor(module);
            if (rank > Math.min(linear.inFeatures(), linear.outFeatures())) {
                throw new IllegalArgumentException("rank " + rank + " is larger than layer " + module + " ("
                        + linear.outFeatures() + "×" + linear.inFeatures() + ") allows");
            }
            byModule.put(module, method.create(new AdapterSite(name, module, linear, rank, config.alphaFor(module),
                    config, shared, base.dropoutSites())));
        }
        for (String module : config.modulesToSave()) modulesToSave(module).forEach(p -> p.setTrainable(true));
        AdapterSet set = new AdapterSet(name, config, method, byModule);
        adapters.put(name, set);
        if (active == null) setActiveAdapter(name);
        return set;
    }

    /** Makes {@code name} the adapter that runs (and trains); others stay attached but idle. */
    public void setActiveAdapter(String name) {
        require(name);
        active = name;
        install();
    }

    /** Runs the base model alone (PEFT's {@code disable_adapter}). */
    public void disableAdapters() {
        enabled = false;
        install();
    }

    public void enableAdapters() {
        enabled = true;
        install();
    }

    public void deleteAdapter(String name) {
        require(name);
        if (mergedDeltas.containsKey(name)) throw new IllegalStateException("unmerge adapter '" + name + "' before deleting it");
        adapters.remove(name);
        if (name.equals(active)) active = adapters.isEmpty() ? null : adapters.keySet().iterator().next();
        install();
    }

    /** {@code W ← W + ΔW} for the active adapter; a quantized base is refused (see {@link #merge(boolean)}). */
    public void merge() {
        merge(false);
    }

    /**
     * {@code W ← W + ΔW} for the active adapter, which then no longer runs separately. A quantized
     * base weight ({@link QuantizedWeight}) can only become {@code Q(Ŵ + ΔW)}, which rounds part of ΔW
     * away: without {@code requantize} that throws {@link QuantizedMergeException} with the rounding
     * error it would add (keep the adapter separate instead); with it the weight is re-quantized,
     * and {@link #unmerge} restores the original codes exactly.
     */
    public void merge(boolean requantize) {
        AdapterSet set = adapters.get(requireActive());
        if (mergedDeltas.containsKey(set.name())) throw new IllegalStateException("adapter '" + set.name() + "' is merged already");
        Map<String, Tensor> deltas = new LinkedHashMap<>();
        Map<String, RequantizedMerge> requantized = new LinkedHashMap<>();
        set.byModule().forEach((module, adapter) -> {
            QuantizedWeight quantized = base.linears().get(module).weight() instanceof QuantizedWeight q ? q : null;
            Tensor delta = adapter.deltaWeight(quantized != null ? quantized.dense() : denseWeight(module));
            if (delta == null) throw new UnsupportedOperationException(set.method().name() + " cannot be merged into a weight (" + module + ")");
            if (quantized != null) requantized.put(module, RequantizedMerge.of(quantized, delta));
            else deltas.put(module, delta);
        });
        if (!requantize && !requantized.isEmpty()) throw new QuantizedMergeException(set.name(), requantized);
        deltas.forEach((module, delta) -> addInPlace(denseWeight(module), delta, 1f));
        Map<String, WeightParameterization> originals = new LinkedHashMap<>();
        requantized.forEach((module, r) -> {
            Linear linear = base.linears().get(module);
            originals.put(module, linear.weight());
            linear.setWeight(r.merged());
        });
        mergedDeltas.put(set.name(), deltas);
        replacedWeights.put(set.name(), originals);
        install();
    }

    /** Undoes {@link #merge}: dense base weights return to their values up to float32 rounding, re-quantized ones exactly. */
    public void unmerge() {
        Map<String, Tensor> deltas = mergedDeltas.remove(requireActive());
        if (deltas == null) throw new IllegalStateException("adapter '" + active + "' is not merged");
        deltas.forEach((module, delta) -> addInPlace(denseWeight(module), delta, -1f));
        replacedWeights.remove(active).forEach((module, original) -> base.linears().get(module).setWeight(original));
        install();
    }

    /** Merges the active adapter and removes every adapter: the plain base model remains (a quantized base is refused). */
    public AdaptableModel mergeAndUnload() {
        return mergeAndUnload(false);
    }

    /** {@link #mergeAndUnload()}, re-quantizing a quantized base when {@code requantize} (see {@link #merge(boolean)}). */
    public AdaptableModel mergeAndUnload(boolean requantize) {
        if (!mergedDeltas.containsKey(requireActive())) merge(requantize);
        mergedDeltas.clear();
        replacedWeights.clear();
        adapters.clear();
        active = null;
        install();
        return base;
    }

    public long trainableParameterCount() {
        return parameters().stream().filter(Parameter::trainable).mapToLong(p -> p.value().size()).sum();
    }

    public long totalParameterCount() {
        return parameters().stream().mapToLong(p -> p.value().size()).sum();
    }

    /** The parameters of a {@code modules_to_save} module (all parameters under that name). */
    public List<Parameter> modulesToSave(String module) {
        List<Parameter> found = base.parameters().stream().filter(p -> p.name().startsWith(module + ".")).toList();
        if (found.isEmpty()) throw new IllegalArgumentException("modules_to_save: no module named '" + module + "'");
        return found;
    }

    // ---- the model itself -------------------------------------------------------------------

    @Override
    public Tensor forward(Ops ops, TokenBatch batch, boolean training) {
        for (AdapterSet set : adapters.values()) for (Adapter a : set.byModule().values()) a.setTraining(training);
        return base.forward(ops, batch, training);
    }

    @Override
    public void beforeStep(long step) {
        for (Adapter a : runningAdapters()) a.beforeStep(step);
    }

    @Override
    public void afterOptimizerStep(long step, double learningRate) {
        for (Adapter a : runningAdapters()) a.afterOptimizerStep(step, learningRate);
    }

    @Override
    public List<Tensor> stepInputs() {
        List<Tensor> all = new ArrayList<>();
        for (Adapter a : runningAdapters()) all.addAll(a.stepInputs());
        return all;
    }

    @Override
    public boolean touchesTrainableValues() {
        return runningAdapters().stream().anyMatch(Adapter::touchesTrainableValues);
    }

    private java.util.Collection<Adapter> runningAdapters() {
        if (!enabled || active == null || mergedDeltas.containsKey(active)) return List.of();
        return adapters.get(active).byModule().values();
    }

    @Override public Tensor loss(Ops ops, TokenBatch batch) { return base.loss(ops, batch); }
    @Override public void backward(Ops ops, boolean training) { base.backward(ops, training); }
    @Override public DropoutSites dropoutSites() { return base.dropoutSites(); }
    @Override public List<Parameter> parameters() { return base.parameters(); }
    @Override public Map<String, Linear> linears() { return base.linears(); }
    @Override public List<String> headModules() { return base.headModules(); }

    // ---- internals ------------------------------------------------------------------------------

    /** Puts exactly the running adapter's pieces into the Linear layers. */
    private void install() {
        for (Linear l : base.linears().values()) l.adapters().removeIf(a -> a instanceof Adapter);
        if (!enabled || active == null || mergedDeltas.containsKey(active)) return;
        adapters.get(active).byModule().forEach((module, adapter) -> base.linears().get(module).adapters().add(adapter));
    }

    private Tensor denseWeight(String module) {
        if (!(base.linears().get(module).weight() instanceof DenseWeight dense)) {
            throw new UnsupportedOperationException(module + ": merging needs a dense base weight");
        }
        return dense.dense();
    }

    private static void addInPlace(Tensor w, Tensor delta, float sign) {
        for (int i = 0; i < w.size(); i++) w.put(i, w.at(i) + sign * delta.at(i));
    }

    private void require(String name) {
        if (!adapters.containsKey(name)) throw new IllegalArgumentException("no adapter named '" + name + "'; have " + adapters.keySet());
    }

    private String requireActive() {
        if (active == null) throw new IllegalStateException("no active adapter");
        return active;
    }

    /** "target_modules matched nothing" with the closest module-name endings the model has. */
    static String noMatchMessage(TargetModules targets, Set<String> modules) {
        Set<String> endings = new LinkedHashSet<>();
        for (String m : modules) {
            String[] parts = m.split("\\.");
            endings.add(parts[parts.length - 1]);
            if (parts.length > 1) endings.add(parts[parts.length - 2] + "." + parts[parts.length - 1]);
        }
        List<String> wanted = targets.names().isEmpty() ? List.of(String.valueOf(targets.peftValue())) : targets.names();
        List<String> close = new ArrayList<>(endings);
        close.sort(Comparator.comparingInt(e -> wanted.stream().mapToInt(w -> editDistance(w, e)).min().orElse(0)));
        return "target_modules " + targets.peftValue() + " matched no Linear layer; closest module names: "
                + String.join(", ", close.subList(0, Math.min(6, close.size())));
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
