package org.peft4j.nn.lowrank;

import java.util.Collection;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * {@code W = s_L·B·A + s_S·S}: trained low-rank factors plus a sparse matrix S on a fixed support,
 * stored as its values (trained) and their flat row-major indices into [out, in] (fixed). W is
 * materialised into a shared {@link WeightScratch} for each product, never kept per layer:
 * <pre>
 *   forward:  W = s_L·B·A;  W[idx] += s_S·v;  y = x·Wᵀ
 *   backward: dW = dyᵀ·x;   dB += s_L·dW·Aᵀ;  dA += s_L·Bᵀ·dW;  dv += s_S·dW[idx]
 *             W rebuilt as in forward;  dx = dy·W
 * </pre>
 * SLTrain ({@link SlTrain}) uses a uniformly random support; LOST ({@link Lost}) a column
 * (input-channel) support chosen from the SVD residual.
 */
public final class SparsePlusLowRankWeight implements WeightParameterization {
    private final LowRankFactors factors;
    private final Parameter values;
    private final IntTensor indices;
    private final float sparseScale;
    private final WeightScratch scratch;
    private final Buffers buffers;

    SparsePlusLowRankWeight(String layer, LowRankFactors factors, Parameter values, IntTensor indices, float sparseScale,
                            WeightScratch scratch) {
        if (values.value().size() != indices.size()) {
            throw new IllegalArgumentException(layer + ": " + values.value().size() + " sparse values but " + indices.size() + " indices");
        }
        long entries = (long) factors.out() * factors.in();
        for (int k = 0; k < indices.size(); k++) {
            if (indices.data()[k] < 0 || indices.data()[k] >= entries) {
                throw new IllegalArgumentException(layer + ": sparse index " + indices.data()[k] + " at position " + k
                        + " is outside the " + factors.out() + "×" + factors.in() + " weight");
            }
        }
        this.factors = factors;
        this.values = values;
        this.indices = indices;
        this.sparseScale = sparseScale;
        this.scratch = scratch;
        this.buffers = new Buffers(layer);
    }

    @Override public int inFeatures() { return factors.in(); }
    @Override public int outFeatures() { return factors.out(); }
    @Override public List<Parameter> parameters() { return List.of(factors.b(), factors.a(), values); }

    /** The fixed support: flat row-major indices into [out, in]. */
    public IntTensor indices() { return indices; }

    /** The sparse-support indices stored by the sparse-plus-low-rank weights among {@code layers}. */
    public static long indexCount(Collection<Linear> layers) {
        return layers.stream().map(Linear::weight).filter(w -> w instanceof SparsePlusLowRankWeight)
                .mapToLong(w -> ((SparsePlusLowRankWeight) w).indices().size()).sum();
    }

    /** The trained values of S on {@link #indices()}. */
    public Parameter values() { return values; }

    @Override
    public Tensor dense() {
        double[] w = factors.product();
        for (int k = 0; k < indices.size(); k++) w[indices.data()[k]] += sparseScale * (double) values.value().at(k);
        Tensor out = Tensor.zeros(outFeatures(), inFeatures());
        for (int i = 0; i < w.length; i++) out.put(i, (float) w[i]);
        return out;
    }

    @Override
    public void forward(Ops ops, Tensor x, Tensor y) {
        ops.gemm(Transpose.N, Transpose.T, 1f, x, materialize(ops), 0f, y);
    }

    @Override
    public void backward(Ops ops, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
        Parameter a = factors.a(), b = factors.b();
        if (a.trainable() || b.trainable() || values.trainable()) {
            Tensor dW = scratch.gradient(outFeatures(), inFeatures());
            ops.gemm(Transpose.T, Transpose.N, 1f, dy, x, 0f, dW);
            float s = factors.scale();
            if (b.trainable()) ops.gemm(Transpose.N, Transpose.T, s, dW, a.value(), 1f, b.grad());
            if (a.trainable()) ops.gemm(Transpose.T, Transpose.N, s, b.value(), dW, 1f, a.grad());
            if (values.trainable()) {
                Tensor gathered = buffers.get("sparse_grad", indices.size());
                ops.sparseGather(dW, indices, gathered);
                ops.axpy(sparseScale, gathered, values.grad());
            }
        }
        if (dx != null) ops.gemm(Transpose.N, Transpose.N, 1f, dy, materialize(ops), accumulate ? 1f : 0f, dx);
    }

    /** Writes W into the shared scratch and returns it. */
    private Tensor materialize(Ops ops) {
        Tensor w = scratch.weight(outFeatures(), inFeatures());
        ops.gemm(Transpose.N, Transpose.N, factors.scale(), factors.b().value(), factors.a().value(), 0f, w);
        Tensor v = values.value();
        if (sparseScale != 1f) {
            Tensor scaled = buffers.get("sparse_scaled", indices.size());
            ops.scale(sparseScale, v, scaled);
            v = scaled;
        }
        ops.sparseScatterAdd(v, indices, w);
        return w;
    }
}
