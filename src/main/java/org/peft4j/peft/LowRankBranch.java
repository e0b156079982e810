package org.peft4j.peft;

import java.util.ArrayList;
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
 */
public final class LowRankBranch {
    private final Parameter a, b;
    private final float scale;
    private final Dropout dropout;
    private final Buffers buffers;
    private Tensor input, gradOutput;
    private boolean training = true;

    public LowRankBranch(AdapterSite site, Parameter a, Parameter b, float scale) {
        this(site, "lora", a, b, scale, site.linear().inFeatures());
    }

    /**
     * A branch named {@code name} (for its dropout and buffers) reading inputs of width {@code in}:
     * the layer input for LoRA, the layer output for Hydra's sequential branch.
     */
    public LowRankBranch(AdapterSite site, String name, Parameter a, Parameter b, float scale, int in) {
        if (a.value().dim(1) != in || b.value().dim(0) != site.linear().outFeatures() || a.value().dim(0) != b.value().dim(1)) {
            throw new IllegalArgumentException(site.module() + ": low-rank factors A" + java.util.Arrays.toString(a.value().shape())
                    + " and B" + java.util.Arrays.toString(b.value().shape()) + " do not map " + in + " inputs to "
                    + site.linear().outFeatures() + " outputs");
        }
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.dropout = site.config().dropout() > 0 ? site.dropoutSites().create(site.module() + "." + name + "_dropout", site.config().dropout()) : null;
        this.buffers = new Buffers(site.module() + "." + name + "." + site.adapterName());
    }

    public Parameter a() { return a; }
    public Parameter b() { return b; }
    public float scale() { return scale; }
    public int rank() { return a.value().dim(0); }

    public List<Parameter> parameters() { return new ArrayList<>(List.of(a, b)); }

    /** Whether dropout is applied (the model's training flag at record time). */
    public void setTraining(boolean on) { training = on; }

    public void forward(Ops ops, Tensor x, Tensor y) {
        input = dropout == null ? x : dropout.forward(ops, x, training);
        ops.loraForward(input, a.value(), b.value(), scale, buffers.get("h", x.rows(), rank()), y);
    }

    public void backward(Ops ops, Tensor dy) {
        gradOutput = dy;
        ops.loraBackward(input, dy, a.value(), b.value(), scale, buffers.get("h", input.rows(), rank()),
                buffers.get("dh", input.rows(), rank()), a.grad(), b.grad());
    }

    public void addInputGradient(Ops ops, Tensor dx) {
        Tensor dh = buffers.get("dh", gradOutput.rows(), rank());
        if (dropout == null) {
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a.value(), 1f, dx);
        } else {
            Tensor dInput = buffers.get("dInput", dx.shape());
            ops.gemm(Transpose.N, Transpose.N, 1f, dh, a.value(), 0f, dInput);
            ops.axpy(1f, dropout.backward(ops, dInput, training), dx);
        }
    }

    /** ΔW = s·B·A [out, in]. */
    public Tensor deltaWeight() {
        Tensor delta = Tensor.zeros(b.value().dim(0), a.value().dim(1));
        try (var ops = new org.peft4j.backend.jvm.JvmBackend(1)) {
            ops.gemm(Transpose.N, Transpose.N, scale, b.value(), a.value(), 0f, delta);
        }
        return delta;
    }
}
