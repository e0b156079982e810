package org.peft4j.peft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * Hydra (Kim et al., 2023): a parallel LoRA branch on the layer input and a sequential one on the
 * pre-trained features W₀·x:
 * <pre>
 *   y = W₀x + s·B·A·x + s'·B'·A'·(W₀x)          ΔW = s·B·A + s'·B'·A'·W₀
 *   A [r, in], B [out, r], A' [r', out], B' [out, r']
 * </pre>
 * A and A' Kaiming-uniform (bound 1/√fan_in, as the official {@code hydra_A}), B = B' = 0, so the
 * output starts unchanged. r is the adapter rank ({@code hydra_par_r}), r' the option
 * {@code hydra_seq_r} (default r); s = α/r and s' = α/r' (rsLoRA: α/√r, α/√r'). The sequential
 * branch reads the layer output before bias (the official vision code feeds it the biased output
 * and folds s'·B'·A'·b₀ into the bias when merging). Backward returns {@code dy + s'·(dy·B')·A'}
 * as the gradient of W₀x. Saved as {@code hydra_par.hydra_A.weight}, {@code hydra_par.hydra_B.weight},
 * {@code hydra_seq.hydra_A.weight} and {@code hydra_seq.hydra_B.weight}, the official names.
 */
public final class Hydra implements AdapterMethod {
    @Override public String name() { return "hydra"; }
    @Override public String peftType() { return "HYDRA"; }

    @Override
    public Adapter create(AdapterSite site) {
        int in = site.linear().inFeatures(), out = site.linear().outFeatures(), r = site.rank();
        int seqRank = Adapters.intOption(site, "hydra_seq_r", r, 1, out);
        float seqScale = site.config().useRslora() ? (float) (site.alpha() / Math.sqrt(seqRank)) : site.alpha() / seqRank;
        return new Branches(branch(site, "hydra_par", r, in, site.scaling()), branch(site, "hydra_seq", seqRank, out, seqScale),
                new Buffers(site.module() + ".hydra." + site.adapterName()));
    }

    private static LowRankBranch branch(AdapterSite site, String name, int rank, int in, float scale) {
        Parameter a = Parameter.trainable(site.parameterName(name + ".hydra_A"),
                Tensor.uniform(site.seed(name + ".hydra_A"), (float) (1 / Math.sqrt(in)), rank, in));
        Parameter b = Parameter.trainable(site.parameterName(name + ".hydra_B"), Tensor.zeros(site.linear().outFeatures(), rank));
        return new LowRankBranch(site, name, a, b, scale, in, null);
    }

    /** The per-layer adapter: the parallel branch on x, the sequential branch on a copy of W₀x. */
    record Branches(LowRankBranch parallel, LowRankBranch sequential, Buffers buffers) implements Adapter {
        @Override
        public List<Parameter> parameters() {
            List<Parameter> all = new ArrayList<>(parallel.parameters());
            all.addAll(sequential.parameters());
            return all;
        }

        @Override
        public void forward(Ops ops, Tensor x, Tensor y) {
            Tensor base = buffers.get("W0x", y.shape());
            ops.copy(y, base);
            parallel.forward(ops, x, y);
            sequential.forward(ops, base, y);
        }

        @Override
        public Tensor backward(Ops ops, Tensor x, Tensor dy) {
            parallel.backward(ops, dy);
            sequential.backward(ops, dy);
            Tensor dBase = buffers.get("dW0x", dy.shape());
            ops.copy(dy, dBase);
            sequential.addInputGradient(ops, dBase);
            return dBase;
        }

        @Override public void addInputGradient(Ops ops, Tensor dx) { parallel.addInputGradient(ops, dx); }

        @Override
        public void setTraining(boolean training) {
            parallel.setTraining(training);
            sequential.setTraining(training);
        }

        @Override
        public Tensor deltaWeight(Tensor w) {
            Tensor delta = parallel.deltaWeight();
            Tensor through = Adapters.scaledProduct(1f, sequential.deltaWeight(), w);
            for (int i = 0; i < delta.size(); i++) delta.put(i, delta.at(i) + through.at(i));
            return delta;
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("hydra_par.hydra_A.weight", parallel.a().value(), "hydra_par.hydra_B.weight", parallel.b().value(),
                    "hydra_seq.hydra_A.weight", sequential.a().value(), "hydra_seq.hydra_B.weight", sequential.b().value());
        }
    }
}
