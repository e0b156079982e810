package org.peft4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/**
 * {@code y = adapters(x, x·Wᵀ) + b} — for additive adapters {@code x·Wᵀ + b + Σ Δᵢ(x)}: the socket
 * adapters plug into (see {@link LinearAdapter} for the order). The weight's storage is a
 * {@link WeightParameterization} (dense by default); frozen weights compute no weight gradient,
 * but the input gradient always flows.
 */
public final class Linear implements Module {
    private final String name;
    private WeightParameterization weight;
    private final Parameter bias;
    private final List<LinearAdapter> adapters = new ArrayList<>();
    private final Buffers buffers;
    private Tensor input;

    public Linear(String name, WeightParameterization weight, Parameter bias) {
        if (bias != null && bias.value().size() != weight.outFeatures()) {
            throw new IllegalArgumentException(name + ": bias " + bias.value() + " does not match " + weight.outFeatures() + " outputs");
        }
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.buffers = new Buffers(name);
    }

    /** A trainable dense layer with Kaiming-uniform weights and biases as {@code torch.nn.Linear} initialises them. */
    public static Linear create(String name, int in, int out, boolean withBias, long seed) {
        float bound = (float) (1 / Math.sqrt(in));
        Parameter w = Parameter.trainable(name + ".weight", Tensor.uniform(Seeds.of(seed, name), bound, out, in));
        Parameter b = withBias ? Parameter.trainable(name + ".bias", Tensor.uniform(Seeds.of(seed, name + ".bias"), bound, out)) : null;
        return new Linear(name, new DenseWeight(w), b);
    }

    /** Weights N(0, std²) and zero bias, as BERT and GPT-2 initialise their projections. */
    public static Linear normal(String name, int in, int out, float std, boolean withBias, long seed) {
        Parameter w = Parameter.trainable(name + ".weight", Tensor.normal(Seeds.of(seed, name), std, out, in));
        Parameter b = withBias ? Parameter.trainable(name + ".bias", Tensor.zeros(out)) : null;
        return new Linear(name, new DenseWeight(w), b);
    }

    public String name() { return name; }
    public int inFeatures() { return weight.inFeatures(); }
    public int outFeatures() { return weight.outFeatures(); }
    public WeightParameterization weight() { return weight; }
    public Parameter bias() { return bias; }
    public List<LinearAdapter> adapters() { return adapters; }


    /** Replaces how the weight is stored (e.g. by a sparse-plus-low-rank parameterization). */
    public void setWeight(WeightParameterization replacement) {
        if (replacement.inFeatures() != inFeatures() || replacement.outFeatures() != outFeatures()) {
            throw new IllegalArgumentException(name + ": replacement weight is " + replacement.outFeatures() + "×"
                    + replacement.inFeatures() + ", expected " + outFeatures() + "×" + inFeatures());
        }
        this.weight = replacement;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(weight.parameters());
        if (bias != null) all.add(bias);
        for (LinearAdapter a : adapters) all.addAll(a.parameters());
        return all;
    }

    /** x [rows, in] → y [rows, out] (a buffer owned by this layer). */
    public Tensor forward(Ops ops, Tensor x) {
        Tensor x2 = x.asMatrix();
        if (x2.cols() != inFeatures()) {
            throw new org.peft4j.tensor.ShapeException(name + ": input " + Shapes.describe(x) + " has "
                    + x2.cols() + " features, layer expects " + inFeatures());
        }
        input = x2;
        Tensor y = buffers.get("out", x2.rows(), outFeatures());
        weight.forward(ops, x2, y);
        for (LinearAdapter a : adapters) a.forward(ops, x2, y);
        if (bias != null) ops.addBias(y, bias.value());
        return y;
    }

    /**
     * Accumulates parameter gradients from {@code dy [rows, out]} and writes (or adds, with
     * {@code accumulate}) the input gradient into {@code dx} unless dx is null.
     */
    public void backward(Ops ops, Tensor dy, Tensor dx, boolean accumulate) {
        Tensor dy2 = dy.asMatrix();
        Tensor dx2 = dx == null ? null : dx.asMatrix();
        if (bias != null && bias.trainable()) ops.biasGradient(dy2, bias.grad());
        Tensor dBase = dy2;
        for (int i = adapters.size() - 1; i >= 0; i--) dBase = adapters.get(i).backward(ops, input, dBase);
        weight.backward(ops, input, dBase, dx2, accumulate);
        if (dx2 != null) for (LinearAdapter a : adapters) a.addInputGradient(ops, dx2);
    }

    /** {@link #backward} into a buffer owned by this layer, which is returned. */
    public Tensor backward(Ops ops, Tensor dy) {
        Tensor dx = buffers.get("dx", input.rows(), inFeatures());
        backward(ops, dy, dx, false);
        return dx;
    }

    @Override
    public String toString() {
        return "Linear(" + name + ", " + inFeatures() + " → " + outFeatures() + (adapters.isEmpty() ? "" : ", adapters " + adapters.size()) + ")";
    }
}
