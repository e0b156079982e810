package org.peft4j.peft;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.nn.Buffers;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * The trainable map C of a {@link FrozenBasisBranch} on the r coordinates between its frozen
 * bases, {@code g = C(h)} for {@code h [rows, r]}: a dense matrix, a diagonal trained directly or
 * derived from a few parameters, or a low-rank product.
 */
sealed interface BranchCore {
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

    /** A dense core, {@code g = h·Rᵀ} with R [r, r] (LoRA-XS, LoRA-SB). */
    record Dense(Parameter r) implements BranchCore {
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
    record Diagonal(Parameter c) implements BranchCore {
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
    record ScaledDiagonal(Parameter z, Parameter k) implements BranchCore {
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
    record ScaleShift(Parameter alpha, Parameter beta, Tensor sigma) implements BranchCore {
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
    record LowRank(Parameter x, Parameter y) implements BranchCore {
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
}
