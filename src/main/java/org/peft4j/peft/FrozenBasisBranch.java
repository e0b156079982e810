package org.peft4j.peft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Dropout;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * The path of methods that train only a small core between frozen bases (LoRA-XS, LoRA-SB, SVFit,
 * SALT, LoLDU): {@code Δ(x) = s·B·C·A·x} with B [out, r] and A [r, in] frozen and a trainable core
 * C ({@link BranchCore}) acting on r coordinates, never forming B·C·A while training:
 * <pre>
 *   forward   h = dropout(x)·Aᵀ    g = C(h)            y += s·g·Bᵀ
 *   backward  dg = s·dy·B          (core gradients)    dx += dropout'(Cᵀ(dg)·A)
 * </pre>
 */
final class FrozenBasisBranch {
    private final Parameter a, b;
    private final BranchCore core;
    private final float scale;
    private final Dropout dropout;
    private final Buffers buffers;
    private Tensor input, gradOutput;
    private boolean training = true;

    /** A branch named {@code name} (for its buffers and dropout) with bases A [r, in], B [out, r], frozen here. */
    FrozenBasisBranch(AdapterSite site, String name, Tensor a, Tensor b, BranchCore core, float scale) {
        if (a.dim(1) != site.linear().inFeatures() || b.dim(0) != site.linear().outFeatures()
                || a.dim(0) != core.rank() || b.dim(1) != core.rank()) {
            throw new IllegalArgumentException(site.module() + ": bases A" + Arrays.toString(a.shape()) + " and B"
                    + Arrays.toString(b.shape()) + " around a rank-" + core.rank() + " core do not fit a layer "
                    + site.linear().outFeatures() + "×" + site.linear().inFeatures());
        }
        this.a = Parameter.frozen(site.parameterName(name + "_A"), a);
        this.b = Parameter.frozen(site.parameterName(name + "_B"), b);
        this.core = core;
        this.scale = scale;
        this.dropout = site.config().dropout() > 0 ? site.dropoutSites().create(site.module() + "." + name + "_dropout", site.config().dropout()) : null;
        this.buffers = new Buffers(site.module() + "." + name + "." + site.adapterName());
    }

    Tensor a() { return a.value(); }
    Tensor b() { return b.value(); }
    BranchCore core() { return core; }
    float scale() { return scale; }
    int rank() { return core.rank(); }

    /** The frozen bases and the core's parameters. */
    List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(List.of(a, b));
        all.addAll(core.parameters());
        return all;
    }

    void setTraining(boolean on) { training = on; }

    void forward(Ops ops, Tensor x, Tensor y) {
        input = dropout == null ? x : dropout.forward(ops, x, training);
        Tensor h = buffers.get("h", x.rows(), rank()), g = buffers.get("g", x.rows(), rank());
        ops.gemm(Transpose.N, Transpose.T, 1f, input, a.value(), 0f, h);
        core.forward(ops, h, g, buffers);
        ops.gemm(Transpose.N, Transpose.T, scale, g, b.value(), 1f, y);
    }

    /** Accumulates the core's gradients from {@code dy}, the gradient of the layer output. */
    void backward(Ops ops, Tensor dy) {
        gradOutput = dy;
        Tensor dg = buffers.get("dg", dy.rows(), rank());
        ops.gemm(Transpose.N, Transpose.N, scale, dy, b.value(), 0f, dg);
        core.backward(ops, buffers.get("h", dy.rows(), rank()), dg, buffers);
    }

    void addInputGradient(Ops ops, Tensor dx) {
        int rows = gradOutput.rows();
        Tensor dh = buffers.get("dh", rows, rank());
        core.inputGradient(ops, buffers.get("dg", rows, rank()), dh, buffers);
        LowRankBranch.addInputGradient(ops, dh, a.value(), dropout, training, buffers, dx);
    }

    /** ΔW = s·B·C·A [out, in] (host side). */
    Tensor deltaWeight() {
        return Adapters.scaledProduct(scale, Adapters.scaledProduct(1f, b.value(), core.matrix()), a.value());
    }

    /**
     * An adapter that adds its frozen-basis branches to the layer output. One created before its
     * bases are known (LoRA-SB before its gradient initialisation) refuses to train until
     * {@link #ready()}.
     *
     * @param tensors the tensors to save, by PEFT key
     */
    static final class Additive implements Adapter {
        private final List<FrozenBasisBranch> branches;
        private final Map<String, Tensor> tensors;
        private String awaiting;

        Additive(List<FrozenBasisBranch> branches, Map<String, Tensor> tensors) {
            this(branches, tensors, null);
        }

        /** An adapter that throws {@code IllegalStateException(why)} before a training step until {@link #ready()}. */
        Additive(List<FrozenBasisBranch> branches, Map<String, Tensor> tensors, String awaiting) {
            this.branches = List.copyOf(branches);
            this.tensors = Map.copyOf(tensors);
            this.awaiting = awaiting;
        }

        List<FrozenBasisBranch> branches() { return branches; }
        void ready() { awaiting = null; }

        @Override
        public void beforeStep(long step) {
            if (awaiting != null) throw new IllegalStateException(awaiting);
        }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> all = new ArrayList<>();
            for (FrozenBasisBranch branch : branches) all.addAll(branch.parameters());
            return all;
        }

        @Override
        public void forward(Ops ops, Tensor x, Tensor y) {
            for (FrozenBasisBranch branch : branches) branch.forward(ops, x, y);
        }

        @Override
        public Tensor backward(Ops ops, Tensor x, Tensor dy) {
            for (FrozenBasisBranch branch : branches) branch.backward(ops, dy);
            return dy;
        }

        @Override
        public void addInputGradient(Ops ops, Tensor dx) {
            for (FrozenBasisBranch branch : branches) branch.addInputGradient(ops, dx);
        }

        @Override
        public void setTraining(boolean training) {
            for (FrozenBasisBranch branch : branches) branch.setTraining(training);
        }

        @Override
        public Tensor deltaWeight(Tensor w) {
            Tensor delta = branches.get(0).deltaWeight();
            for (FrozenBasisBranch branch : branches.subList(1, branches.size())) {
                Tensor more = branch.deltaWeight();
                for (int i = 0; i < delta.size(); i++) delta.put(i, delta.at(i) + more.at(i));
            }
            return delta;
        }

        @Override public Map<String, Tensor> peftTensors() { return tensors; }
    }
}
