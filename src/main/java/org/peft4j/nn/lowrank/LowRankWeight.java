package org.peft4j.nn.lowrank;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.tensor.Tensor;

/**
 * The low-rank baseline of low-rank pretraining: {@code W = (α/r)·B·A}, both factors trained and
 * both initialised at random (as two stacked linear layers; a zero B would start W at 0), applied
 * without forming W.
 * <pre>
 *   h  = x·Aᵀ                 [rows, r]
 *   y  = s·h·Bᵀ               s = α/r
 *   dB += s·dyᵀ·h;   dh = s·dy·B;   dA += dhᵀ·x;   dx = dh·A
 * </pre>
 */
public final class LowRankWeight implements WeightParameterization {
    private final LowRankFactors factors;
    private final Buffers buffers;
    private Tensor h;

    LowRankWeight(String layer, LowRankFactors factors) {
        this.factors = factors;
        this.buffers = new Buffers(layer);
    }

    /** Factors initialised as two stacked {@code nn.Linear} layers ({@link LowRankFactors#bothKaiming}), scale α/r. */
    public static LowRankWeight create(String layer, int in, int out, int rank, double alpha, long seed) {
        return new LowRankWeight(layer, LowRankFactors.bothKaiming(layer, in, out, rank, alpha, seed));
    }

    @Override public int inFeatures() { return factors.in(); }
    @Override public int outFeatures() { return factors.out(); }
    @Override public List<Parameter> parameters() { return List.of(factors.b(), factors.a()); }

    @Override
    public Tensor dense() {
        double[] w = factors.product();
        Tensor out = Tensor.zeros(outFeatures(), inFeatures());
        for (int i = 0; i < w.length; i++) out.put(i, (float) w[i]);
        return out;
    }

    @Override
    public void forward(Ops ops, Tensor x, Tensor y) {
        h = buffers.get("low_rank_h", x.rows(), factors.rank());
        ops.gemm(Transpose.N, Transpose.T, 1f, x, factors.a().value(), 0f, h);
        ops.gemm(Transpose.N, Transpose.T, factors.scale(), h, factors.b().value(), 0f, y);
    }

    @Override
    public void backward(Ops ops, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
        float s = factors.scale();
        Parameter a = factors.a(), b = factors.b();
        if (b.trainable()) ops.gemm(Transpose.T, Transpose.N, s, dy, h, 1f, b.grad());
        if (!a.trainable() && dx == null) return;
        Tensor dh = buffers.get("low_rank_dh", dy.rows(), factors.rank());
        ops.gemm(Transpose.N, Transpose.N, s, dy, b.value(), 0f, dh);
        if (a.trainable()) ops.gemm(Transpose.T, Transpose.N, 1f, dh, x, 1f, a.grad());
        if (dx != null) ops.gemm(Transpose.N, Transpose.N, 1f, dh, a.value(), accumulate ? 1f : 0f, dx);
    }
}
