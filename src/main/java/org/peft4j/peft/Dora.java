package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * DoRA (Liu et al., 2024): LoRA on the direction of the weight, with a trainable magnitude
 * {@code m [out]} per output row:
 * <pre>
 *   W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖_row,      m₀ = ‖W + s·B₀·A₀‖_row  (so W' = W at creation)
 *   y  = c ⊙ (x·Wᵀ + s·dropout(x)·Aᵀ·Bᵀ),         c = m / ‖W + s·B·A‖_row  (per output column)
 * </pre>
 * The row norms follow the current A, B every forward without forming B·A:
 * {@code ‖W_i + s(BA)_i‖² = ‖W_i‖² + Σ_k (2s·W·Aᵀ + s²·B·(A·Aᵀ))_ik·B_ik}, with ‖W_i‖² taken
 * once from the frozen base. As in PEFT and the paper (§4.3) the norm is a constant in backward:
 * {@code dz = c ⊙ dy} flows to the base and the LoRA branch and {@code dm += Σ_rows dy ⊙ z / ‖·‖_row}
 * (z the bracket above). Option {@code dora_norm_gradient} (default false) adds the exact
 * gradient through the norm instead.
 *
 * <p>Saved as PEFT's LoRA with {@code use_dora}: {@code lora_A.weight}, {@code lora_B.weight} and
 * {@code lora_magnitude_vector}; A and B start as {@code init_lora_weights} says for {@link Lora}.
 * One difference from PEFT while training with lora_dropout: PEFT also feeds the dropped input x̃
 * through the base, {@code x·Wᵀ + (c − 1) ⊙ x̃·Wᵀ + c ⊙ s·x̃·Aᵀ·Bᵀ}, at the cost of a second base
 * product; here dropout reaches the LoRA branch only. The two agree in expectation, and exactly
 * without dropout or in evaluation.
 */
public final class Dora implements AdapterMethod {
    @Override public String name() { return "dora"; }
    @Override public String peftType() { return "LORA"; }

    @Override
    public Adapter create(AdapterSite site) {
        if (!(site.linear().weight() instanceof DenseWeight dense)) {
            throw new IllegalArgumentException(site.module() + ": DoRA needs a dense base weight to take its row norms");
        }
        LowRankBranch branch = Lora.branch(site);
        return new Layer(site, dense.weight(), branch, site.config().option("dora_norm_gradient", false));
    }

    /** DoRA on one Linear: the LoRA branch and the magnitude that rescales the layer's output. */
    public static final class Layer implements Adapter {
        private final String module;
        private final Parameter weight, magnitude;
        private final LowRankBranch branch;
        private final Tensor baseRowSquares;
        private final boolean normGradient;
        private final RowSums rowSums;
        private final Buffers buffers;
        private Tensor bracket;

        Layer(AdapterSite site, Parameter weight, LowRankBranch branch, boolean normGradient) {
            this.module = site.module();
            this.weight = weight;
            this.branch = branch;
            this.normGradient = normGradient;
            Tensor w = weight.value();
            this.baseRowSquares = Tensor.zeros(w.rows()).named(site.parameterName("base_row_squares"));
            double[] squares = rowSquares(w, null);
            for (int i = 0; i < squares.length; i++) baseRowSquares.put(i, (float) squares[i]);
            double[] norms = rowSquares(w, branch.deltaWeight());
            Tensor m = Tensor.zeros(w.rows());
            for (int i = 0; i < norms.length; i++) m.put(i, (float) Math.sqrt(norms[i]));
            this.magnitude = Parameter.trainable(site.parameterName("lora_magnitude_vector"), m);
            this.rowSums = new RowSums(branch.rank());
            this.buffers = new Buffers(module + "." + site.adapterName() + ".dora");
        }

        public Parameter magnitude() { return magnitude; }
        public LowRankBranch branch() { return branch; }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> all = branch.parameters();
            all.add(magnitude);
            return all;
        }

        @Override public void setTraining(boolean training) { branch.setTraining(training); }

        @Override
        public void forward(Ops ops, Tensor x, Tensor y) {
            if (weight.trainable()) {
                throw new IllegalStateException(module + ": DoRA keeps the base row norms ‖W_i‖ from creation, so the base weight must stay frozen");
            }
            int out = y.cols(), r = branch.rank();
            float s = branch.scale();
            Tensor a = branch.a().value(), b = branch.b().value();
            Tensor gram = buffers.get("gram", r, r), wa = buffers.get("WAt", out, r), bg = buffers.get("BG", out, r);
            Tensor cross = buffers.get("cross", out, r), inv = buffers.get("invNorm", out), c = buffers.get("c", out);
            ops.gemm(Transpose.N, Transpose.T, 1f, a, a, 0f, gram);
            ops.gemm(Transpose.N, Transpose.N, 1f, b, gram, 0f, bg);
            ops.gemm(Transpose.N, Transpose.T, 1f, weight.value(), a, 0f, wa);
            ops.scale(2 * s, wa, cross);
            ops.axpy(s * s, bg, cross);
            ops.mul(cross, b, cross);
            ops.copy(baseRowSquares, inv);
            rowSums.addTo(ops, cross, inv);
            ops.rsqrt(inv, inv);
            ops.mul(magnitude.value(), inv, c);
            bracket = buffers.get("z", y.rows(), out);
            ops.copy(y, bracket);
            branch.forward(ops, x, bracket);
            ops.diagonalScale(null, bracket, c, y);
        }

        @Override
        public Tensor backward(Ops ops, Tensor x, Tensor dy) {
            int out = dy.cols();
            Tensor inv = buffers.get("invNorm", out), c = buffers.get("c", out);
            Tensor g = buffers.get("g", out), gInv = buffers.get("gInv", out), dz = buffers.get("dz", dy.rows(), out);
            ops.mul(dy, bracket, dz);
            ops.fill(g, 0f);
            ops.biasGradient(dz, g);
            ops.mul(g, inv, gInv);
            if (magnitude.trainable()) ops.axpy(1f, gInv, magnitude.grad());
            ops.diagonalScale(null, dy, c, dz);
            branch.backward(ops, dz);
            if (normGradient) addNormGradient(ops, gInv, c, inv);
            return dz;
        }

        /**
         * The gradient through n = ‖V‖_row, V = W + s·B·A: {@code u = dL/dn ⊘ n = −g ⊙ c ⊘ n²},
         * {@code dV = diag(u)·V}, so {@code dB += s·diag(u)·(W·Aᵀ + s·B·A·Aᵀ)} and
         * {@code dA += s·(diag(u)·B)ᵀ·W + s²·(diag(u)·B)ᵀ·B·A}.
         */
        private void addNormGradient(Ops ops, Tensor gInv, Tensor c, Tensor inv) {
            int out = c.size(), r = branch.rank();
            float s = branch.scale();
            Tensor a = branch.a().value(), b = branch.b().value();
            Tensor u = buffers.get("u", out), t = buffers.get("cross", out, r);
            ops.mul(gInv, c, u);
            ops.mul(u, inv, u);
            ops.scale(-1f, u, u);
            if (branch.b().trainable()) {
                ops.copy(buffers.get("WAt", out, r), t);
                ops.axpy(s, buffers.get("BG", out, r), t);
                ops.diagonalScale(u, t, null, t);
                ops.axpy(s, t, branch.b().grad());
            }
            if (branch.a().trainable()) {
                Tensor bu = buffers.get("uB", out, r), h = buffers.get("BuB", r, r);
                ops.diagonalScale(u, b, null, bu);
                ops.gemm(Transpose.T, Transpose.N, s, bu, weight.value(), 1f, branch.a().grad());
                ops.gemm(Transpose.T, Transpose.N, 1f, bu, b, 0f, h);
                ops.gemm(Transpose.N, Transpose.N, s * s, h, a, 1f, branch.a().grad());
            }
        }

        @Override public void addInputGradient(Ops ops, Tensor dx) { branch.addInputGradient(ops, dx); }

        /** {@code ΔW = m ⊙ (W + s·B·A)/‖W + s·B·A‖_row − W}. */
        @Override
        public Tensor deltaWeight(Tensor w) {
            Tensor delta = branch.deltaWeight();
            double[] squares = rowSquares(w, delta);
            int cols = w.cols();
            for (int i = 0; i < squares.length; i++) {
                double factor = magnitude.value().at(i) / Math.sqrt(squares[i]);
                for (int j = i * cols; j < (i + 1) * cols; j++) {
                    double v = (double) w.at(j) + delta.at(j);
                    delta.put(j, (float) (factor * v - w.at(j)));
                }
            }
            return delta;
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("lora_A.weight", branch.a().value(), "lora_B.weight", branch.b().value(),
                    "lora_magnitude_vector", magnitude.value());
        }

        /** {@code ‖w_i + delta_i‖²} per row, in double; a null delta counts as zero. */
        private static double[] rowSquares(Tensor w, Tensor delta) {
            int rows = w.rows(), cols = w.cols();
            double[] squares = new double[rows];
            for (int i = 0; i < rows; i++) {
                for (int j = i * cols; j < (i + 1) * cols; j++) {
                    double v = delta == null ? w.at(j) : (double) w.at(j) + delta.at(j);
                    squares[i] += v * v;
                }
            }
            return squares;
        }
    }
}
