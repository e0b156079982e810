package org.peft4j.peft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Dropout;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * The low-rank path shared by LoRA and its variants, never forming B·A while training:
 * <pre>
 *   forward   h = dropout(x)·Aᵀ          y += s·h·Bᵀ
 *   backward  dB += s·dyᵀ·h   dh = s·dy·B   dA += dhᵀ·dropout(x)   dx += dropout'(dh·A)
 * </pre>
 * A [r, in] and B [out, r] may each be trainable or frozen ({@code lora_A}, {@code lora_B}).
 * An optional {@link Gate} g [r] weights the rank components between A and B (SoRA's gate,
 * DyLoRA's rank mask):
 * <pre>
 *   forward   y += s·(h ⊙ g)·Bᵀ
 *   backward  dB += s·dyᵀ·(h ⊙ g)   dĥ = s·dy·B   dg += Σ_rows dĥ ⊙ h   dh = dĥ ⊙ g   (then dA, dx as above)
 * </pre>
 */
public final class LowRankBranch {

    /** Per-rank weights g [r] between A and B. */
    @FunctionalInterface
    public interface Gate {
        /** g for a training or an evaluation pass; read when the pass is recorded, its values may change between steps. */
        Tensor values(boolean training);

        /** Where the gradient of the training g accumulates, or null when g is not trained. */
        default Tensor gradient() { return null; }

        /** The model parameters behind g (none for a mask the host writes). */
        default List<Parameter> parameters() { return List.of(); }

        /** A gate that is the parameter {@code g} itself, trained when g is trainable. */
        static Gate of(Parameter g) {
            return new Gate() {
                @Override public Tensor values(boolean training) { return g.value(); }
                @Override public Tensor gradient() { return g.grad(); }
                @Override public List<Parameter> parameters() { return List.of(g); }
            };
        }
    }

    /** An adapter that only adds one low-rank branch to y; implementors supply the branch and their PEFT tensors. */
    public interface BranchAdapter extends Adapter {
        LowRankBranch branch();

        @Override default List<Parameter> parameters() { return branch().parameters(); }
        @Override default void forward(Ops ops, Tensor x, Tensor y) { branch().forward(ops, x, y); }

        @Override
        default Tensor backward(Ops ops, Tensor x, Tensor dy) {
            branch().backward(ops, dy);
            return dy;
        }

        @Override default void addInputGradient(Ops ops, Tensor dx) { branch().addInputGradient(ops, dx); }
        @Override default void setTraining(boolean training) { branch().setTraining(training); }
        @Override default Tensor deltaWeight(Tensor w) { return branch().deltaWeight(); }
    }

    /** The two factors of a branch. */
    public record Factors(Parameter a, Parameter b) {
        /**
         * LoRA's default start, ΔW = 0: A [r, in] Kaiming-uniform (bound 1/√in, as PEFT), B [out, r] = 0,
         * for variants that support no other {@code init_lora_weights}.
         */
        static Factors loraDefault(AdapterSite site) {
            String init = site.config().init();
            if (!init.equals("default") && !init.equals("true")) {
                throw new IllegalArgumentException(site.config().method() + ": init_lora_weights '" + init + "' is not supported (only default)");
            }
            int r = site.rank(), in = site.linear().inFeatures();
            return new Factors(
                    Parameter.trainable(site.parameterName("lora_A"), Tensor.uniform(site.seed("lora_A"), (float) (1 / Math.sqrt(in)), r, in)),
                    Parameter.trainable(site.parameterName("lora_B"), Tensor.zeros(site.linear().outFeatures(), r)));
        }
    }

    private final Parameter a, b;
    private final float scale;
    private final Gate gate;
    private final Dropout dropout;
    private final Buffers buffers;
    private Tensor input, gradOutput, gateValues;
    private boolean training = true;

    public LowRankBranch(AdapterSite site, Parameter a, Parameter b, float scale) {
        this(site, "lora", a, b, scale, site.linear().inFeatures(), null);
    }

    /** A LoRA-input branch whose rank components are weighted by {@code gate} (null: none). */
    public LowRankBranch(AdapterSite site, Parameter a, Parameter b, float scale, Gate gate) {
        this(site, "lora", a, b, scale, site.linear().inFeatures(), gate);
    }

    /**
     * A branch named {@code name} (for its dropout and buffers) reading inputs of width {@code in}
     * (the layer input for LoRA, the layer output for Hydra's sequential branch), its rank
     * components weighted by {@code gate} (null: none).
     */
    public LowRankBranch(AdapterSite site, String name, Parameter a, Parameter b, float scale, int in, Gate gate) {
        if (a.value().dim(1) != in || b.value().dim(0) != site.linear().outFeatures() || a.value().dim(0) != b.value().dim(1)) {
            throw new IllegalArgumentException(site.module() + ": low-rank factors A" + Arrays.toString(a.value().shape())
                    + " and B" + Arrays.toString(b.value().shape()) + " do not map " + in + " inputs to "
                    + site.linear().outFeatures() + " outputs");
        }
        int r = a.value().dim(0);
        if (gate != null) {
            for (boolean pass : new boolean[] {true, false}) {
                if (!Arrays.equals(gate.values(pass).shape(), new int[] {r})) {
                    throw new IllegalArgumentException(site.module() + ": the " + (pass ? "training" : "evaluation") + " gate has shape "
                            + Arrays.toString(gate.values(pass).shape()) + ", expected [" + r + "] (one weight per rank)");
                }
            }
        }
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.gate = gate;
        this.dropout = site.config().dropout() > 0 ? site.dropoutSites().create(site.module() + "." + name + "_dropout", site.config().dropout()) : null;
        this.buffers = new Buffers(site.module() + "." + name + "." + site.adapterName());
    }

    public Parameter a() { return a; }
    public Parameter b() { return b; }
    public float scale() { return scale; }
    public int rank() { return a.value().dim(0); }

    /** A, B and the parameters behind the gate, if any. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(List.of(a, b));
        if (gate != null) all.addAll(gate.parameters());
        return all;
    }

    /** Whether dropout is applied (the model's training flag at record time). */
    public void setTraining(boolean on) { training = on; }

    public void forward(Ops ops, Tensor x, Tensor y) {
        input = dropout == null ? x : dropout.forward(ops, x, training);
        Tensor h = buffers.get("h", x.rows(), rank());
        if (gate == null) {
            ops.loraForward(input, a.value(), b.value(), scale, h, y);
            return;
        }
        gateValues = gate.values(training);
        Tensor gated = buffers.get("gated", x.rows(), rank());
        ops.gemm(Transpose.N, Transpose.T, 1f, input, a.value(), 0f, h);
        ops.scaleColumns(h, gateValues, gated);
        ops.gemm(Transpose.N, Transpose.T, scale, gated, b.value(), 1f, y);
    }

    public void backward(Ops ops, Tensor dy) {
        gradOutput = dy;
        int rows = input.rows();
        Tensor h = buffers.get("h", rows, rank()), dh = buffers.get("dh", rows, rank());
        if (gate == null) {
            ops.loraBackward(input, dy, a.value(), b.value(), scale, h, dh, a.grad(), b.grad());
            return;
        }
        Tensor dGated = buffers.get("dGated", rows, rank());
        if (b.grad() != null) ops.gemm(Transpose.T, Transpose.N, scale, dy, buffers.get("gated", rows, rank()), 1f, b.grad());
        ops.gemm(Transpose.N, Transpose.N, scale, dy, b.value(), 0f, dGated);
        Tensor dGate = gate.gradient();
        if (dGate != null) {
            Tensor product = buffers.get("gateProduct", rows, rank());
            ops.mul(dGated, h, product);
            ops.biasGradient(product, dGate);
        }
        ops.scaleColumns(dGated, gateValues, dh);
        if (a.grad() != null) ops.gemm(Transpose.T, Transpose.N, 1f, dh, input, 1f, a.grad());
    }

    public void addInputGradient(Ops ops, Tensor dx) {
        addInputGradient(ops, buffers.get("dh", gradOutput.rows(), rank()), a.value(), dropout, training, buffers, dx);
    }

    /** {@code dx += dropout'(dh·A)}: the input gradient of any branch whose first factor A reads dropout(x). */
    static void addInputGradient(Ops ops, Tensor dh, Tensor a, Dropout dropout, boolean training, Buffers buffers, Tensor dx) {
        if (dropout == null) {
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a, 1f, dx);
        } else {
            Tensor dInput = buffers.get("dInput", dx.shape());
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a, 0f, dInput);
            ops.axpy(1f, dropout.backward(ops, dInput, training), dx);
        }
    }

    /** ΔW = s·B·A [out, in], with B·diag(g) for the evaluation gate where there is one. */
    public Tensor deltaWeight() {
        Tensor up = b.value();
        if (gate != null) {
            up = Tensor.zeros(up.shape());
            try (var ops = new org.peft4j.backend.jvm.JvmBackend(1)) {
                ops.scaleColumns(b.value(), gate.values(false), up);
            }
        }
        return Adapters.scaledProduct(scale, up, a.value());
    }
}
