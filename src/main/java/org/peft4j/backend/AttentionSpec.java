package org.peft4j.backend;

import java.util.Arrays;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/**
 * What fused attention ({@link Ops#attention}, {@link Ops#attentionBackward}) needs besides its
 * tensors: the first column of q, k and v in their packed {@code [B, S, W]} tensors, the scale of the
 * scores, causal masking, and the dropout of the probabilities ({@code dropout = 0}: none; else the
 * mask {@link Ops#dropout} draws over the {@code [B, H, S, S]} probabilities at {@code dropoutSite}).
 */
public record AttentionSpec(int qColumn, int kColumn, int vColumn, float scale, boolean causal, float dropout, int dropoutSite) {

    public AttentionSpec {
        if (qColumn < 0 || kColumn < 0 || vColumn < 0) {
            throw new IllegalArgumentException("attention: negative column (q " + qColumn + ", k " + kColumn + ", v " + vColumn + ")");
        }
        if (!Float.isFinite(scale)) throw new IllegalArgumentException("attention: score scale must be finite, got " + scale);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("attention: dropout must lie in [0, 1), got " + dropout);
    }

    /** Number of heads H of a call, from its probabilities {@code [B, H, S, S]}. */
    public static int heads(Tensor probs) { return probs.dim(1); }

    /** Head width D of a call: the context's width over the heads. */
    public static int headDim(Tensor probs, Tensor context) { return context.dim(2) / probs.dim(1); }

    /**
     * Checks one call's shapes: q, k, v {@code [B, S, ·]} holding H heads of width D from their
     * columns, probs {@code [B, H, S, S]}, context (the output, or its gradient) {@code [B, S, H·D]},
     * keyMask {@code [B, S]} or null, seed {@code [seed, step]} when there is dropout.
     */
    public void check(String op, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed, Tensor probs, Tensor context) {
        if (probs.rank() != 4 || probs.dim(2) != probs.dim(3) || context.rank() != 3) {
            throw new ShapeException(op + ": expected probs [B, H, S, S] and context [B, S, H·D], got "
                    + Arrays.toString(probs.shape()) + " and " + Arrays.toString(context.shape()));
        }
        int batch = probs.dim(0), heads = heads(probs), seq = probs.dim(2);
        if (context.dim(0) != batch || context.dim(1) != seq || context.dim(2) % heads != 0) {
            throw new ShapeException(op + ": context " + Arrays.toString(context.shape()) + " does not hold " + heads
                    + " heads of " + seq + " tokens in " + batch + " sequences (probs " + Arrays.toString(probs.shape()) + ")");
        }
        int width = context.dim(2);
        requirePacked(op, "q", q, qColumn, batch, seq, width);
        requirePacked(op, "k", k, kColumn, batch, seq, width);
        requirePacked(op, "v", v, vColumn, batch, seq, width);
        if (keyMask != null && (keyMask.shape().length != 2 || keyMask.dim(0) != batch || keyMask.dim(1) != seq)) {
            throw new ShapeException(op + ": key mask " + keyMask + " does not match probs " + Arrays.toString(probs.shape())
                    + ", expected IntTensor[" + batch + ", " + seq + "]");
        }
        if (dropout > 0 && (seed == null || seed.size() != 2)) {
            throw new IllegalArgumentException(op + ": dropout needs a seed [seed, step], got " + seed);
        }
    }

    /** {@link #check} of a backward call, whose gradients dq, dk, dv are laid out as q, k, v. */
    public void checkBackward(String op, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs, Tensor dContext,
                              Tensor dq, Tensor dk, Tensor dv) {
        check(op, q, k, v, null, seed, probs, dContext);
        requireLike(op, "dq", dq, "q", q);
        requireLike(op, "dk", dk, "k", k);
        requireLike(op, "dv", dv, "v", v);
    }

    private static void requireLike(String op, String name, Tensor t, String likeName, Tensor like) {
        if (!Arrays.equals(t.shape(), like.shape())) {
            throw new ShapeException(op + ": " + name + " " + Arrays.toString(t.shape()) + " must have the shape of " + likeName
                    + " " + Arrays.toString(like.shape()));
        }
    }

    private static void requirePacked(String op, String name, Tensor t, int column, int batch, int seq, int width) {
        if (t.rank() != 3 || t.dim(0) != batch || t.dim(1) != seq || column + width > t.dim(2)) {
            throw new ShapeException(op + ": " + name + " " + Arrays.toString(t.shape()) + " must be [" + batch + ", " + seq
                    + ", W] with columns [" + column + ", " + (column + width) + ") inside W");
        }
    }
}
