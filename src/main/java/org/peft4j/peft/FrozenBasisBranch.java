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
 * C acting on r coordinates, never forming B·C·A while training:
 * <pre>
 *   forward   h = dropout(x)·Aᵀ    g = C(h)            y += s·g·Bᵀ
 *   backward  dg = s·dy·B          (core gradients)    dx += dropout'(Cᵀ(dg)·A)
 * </pre>
 */
final class FrozenBasisBranch {

    /** The trainable map C on the r coordinates between A and B. */
    sealed interface Core {
        int rank();
        List<Parameter> parameters();
        /** g = C(h) [rows, r], overwriting g. */
        void forward(Ops ops, Tensor h, Tensor g, Buffers buffers);
        /** Accumulates the core's parameter gradients from dg, given the forward input h. */
        void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers);
        /** dh = Cᵀ(dg), overwriting dh (after {@link #backward}). */
        void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers);
        /** C as a dense [r, r] matrix (host side, for ΔW). */
        Tensor matrix();
    }

    /** A dense core, {@code g = h·Rᵀ} with R [r, r] (LoRA-XS, LoRA-SB). */
    record Dense(Parameter r) implements Core {
        public int rank() { return r.value().dim(0); }
        public List<Parameter> parameters() { return List.of(r); }

        public void forward(Ops ops, Tensor h, Tensor g, Buffers buffers) {
            ops.gemm(Transpose.N, Transpose.T, 1f, h, r.value(), 0f, g);
        }

        public void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers) {
            if (r.grad() != null) ops.gemm(Transpose.T, Transpose.N, 1f, dg, h, 1f, r.grad());
        }

        public void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers) {
            ops.gemm(Transpose.N, Transpose.N, 1f, dg, r.value(), 0f, dh);
        }

        public Tensor matrix() { return r.value(); }
    }

    /** A diagonal core, {@code g = h ⊙ c} per row with c [r] trained directly (SVFit's singular values). */
    record Diagonal(Parameter c) implements Core {
        public int rank() { return c.value().size(); }
        public List<Parameter> parameters() { return List.of(c); }
        public void forward(Ops ops, Tensor h, Tensor g, Buffers buffers) { scaleColumns(ops, h, c.value(), g, buffers); }

        public void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers) {
            if (c.grad() != null) columnGradient(ops, h, dg, c.grad(), buffers);
        }

        public void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers) { scaleColumnsAgain(ops, dg, dh, buffers); }
        public Tensor matrix() { return Adapters.diagonal(c.value(), 1f); }
    }

    /** A diagonal core {@code c = k·z} with z [r] and the scalar k [1] both trained (LoLDU). */
    record ScaledDiagonal(Parameter z, Parameter k) implements Core {
        public int rank() { return z.value().size(); }
        public List<Parameter> parameters() { return List.of(z, k); }

        public void forward(Ops ops, Tensor h, Tensor g, Buffers buffers) {
            Tensor kk = buffers.get("k", rank(), 1), c = buffers.get("c", rank());
            ops.fill(kk, 0f);
            ops.addBias(kk, k.value());
            ops.mul(kk, z.value(), c);
            scaleColumns(ops, h, c, g, buffers);
        }

        public void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers) {
            Tensor dc = buffers.get("dc", rank()), product = buffers.get("dc*", rank());
            ops.fill(dc, 0f);
            columnGradient(ops, h, dg, dc, buffers);
            if (z.grad() != null) {
                ops.mul(buffers.get("k", rank(), 1), dc, product);
                ops.axpy(1f, product, z.grad());
            }
            if (k.grad() != null) {
                Tensor sum = buffers.get("dk", 1);
                ops.mul(z.value(), dc, product);
                ops.sum(product, sum);
                ops.axpy(1f, sum, k.grad());
            }
        }

        public void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers) { scaleColumnsAgain(ops, dg, dh, buffers); }
        public Tensor matrix() { return Adapters.diagonal(z.value(), k.value().at(0)); }
    }

    /** A diagonal core {@code c = (α − 1) ⊙ σ + β}: a trained scale α and shift β of frozen values σ (SALT). */
    record ScaleShift(Parameter alpha, Parameter beta, Tensor sigma) implements Core {
        public int rank() { return sigma.size(); }
        public List<Parameter> parameters() { return List.of(alpha, beta); }

        public void forward(Ops ops, Tensor h, Tensor g, Buffers buffers) {
            Tensor c = buffers.get("c", rank());
            ops.mul(alpha.value(), sigma, c);
            ops.add(c, beta.value(), c);
            ops.axpy(-1f, sigma, c);
            scaleColumns(ops, h, c, g, buffers);
        }

        public void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers) {
            Tensor dc = buffers.get("dc", rank());
            ops.fill(dc, 0f);
            columnGradient(ops, h, dg, dc, buffers);
            if (alpha.grad() != null) {
                Tensor product = buffers.get("dc*", rank());
                ops.mul(sigma, dc, product);
                ops.axpy(1f, product, alpha.grad());
            }
            if (beta.grad() != null) ops.axpy(1f, dc, beta.grad());
        }

        public void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers) { scaleColumnsAgain(ops, dg, dh, buffers); }

        public Tensor matrix() {
            Tensor c = Tensor.zeros(rank());
            for (int i = 0; i < rank(); i++) c.put(i, (alpha.value().at(i) - 1f) * sigma.at(i) + beta.value().at(i));
            return Adapters.diagonal(c, 1f);
        }
    }

    /** A low-rank core {@code C = X·Y}, X [r, q] and Y [q, r], never formed (SALT's LoRA on the residual directions). */
    record LowRank(Parameter x, Parameter y) implements Core {
        public int rank() { return x.value().dim(0); }
        public List<Parameter> parameters() { return List.of(x, y); }
        private int inner() { return y.value().dim(0); }

        public void forward(Ops ops, Tensor h, Tensor g, Buffers buffers) {
            ops.fill(g, 0f);
            ops.loraForward(h, y.value(), x.value(), 1f, buffers.get("t", h.rows(), inner()), g);
        }

        public void backward(Ops ops, Tensor h, Tensor dg, Buffers buffers) {
            ops.loraBackward(h, dg, y.value(), x.value(), 1f, buffers.get("t", h.rows(), inner()),
                    buffers.get("dt", h.rows(), inner()), y.grad(), x.grad());
        }

        public void inputGradient(Ops ops, Tensor dg, Tensor dh, Buffers buffers) {
            ops.gemm(Transpose.N, Transpose.N, 1f, buffers.get("dt", dg.rows(), inner()), y.value(), 0f, dh);
        }

        public Tensor matrix() { return Adapters.scaledProduct(1f, x.value(), y.value()); }
    }

    /** {@code g = h ⊙ c} on every row; c is repeated per row, as the kernel vocabulary has no broadcasting product. */
    private static void scaleColumns(Ops ops, Tensor h, Tensor c, Tensor g, Buffers buffers) {
        Tensor repeated = buffers.get("c rows", h.rows(), c.size());
        ops.fill(repeated, 0f);
        ops.addBias(repeated, c);
        ops.mul(h, repeated, g);
    }

    /** {@code dh = dg ⊙ c} with the c of the last {@link #scaleColumns}. */
    private static void scaleColumnsAgain(Ops ops, Tensor dg, Tensor dh, Buffers buffers) {
        ops.mul(dg, buffers.get("c rows", dg.rows(), dg.cols()), dh);
    }

    /** {@code dc += Σ_rows dg ⊙ h}. */
    private static void columnGradient(Ops ops, Tensor h, Tensor dg, Tensor dc, Buffers buffers) {
        Tensor product = buffers.get("dg*h", h.rows(), h.cols());
        ops.mul(dg, h, product);
        ops.biasGradient(product, dc);
    }

    private final Parameter a, b;
    private final Core core;
    private final float scale;
    private final Dropout dropout;
    private final Buffers buffers;
    private Tensor input, gradOutput;
    private boolean training = true;

    /** A branch named {@code name} (for its buffers and dropout) with bases A [r, in], B [out, r], frozen here. */
    FrozenBasisBranch(AdapterSite site, String name, Tensor a, Tensor b, Core core, float scale) {
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
    Core core() { return core; }
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
        if (dropout == null) {
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a.value(), 1f, dx);
        } else {
            Tensor dInput = buffers.get("dInput", dx.shape());
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a.value(), 0f, dInput);
            ops.axpy(1f, dropout.backward(ops, dInput, training), dx);
        }
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
