package org.peft4j.nn;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A model's loss: mean softmax cross-entropy of its logits against the batch's targets, skipping
 * targets equal to {@link #IGNORE_INDEX} (as PyTorch), with the gradient kept for backward:
 * <pre>
 *   loss = −(1/N) Σ_{t ≠ −100} log softmax(logits_t)[target_t]      dlogits = (softmax − onehot)/N
 * </pre>
 */
public final class CrossEntropyLoss {
    /** Targets equal to this are left out of the loss. */
    public static final int IGNORE_INDEX = -100;

    private final Buffers buffers;
    private Tensor gradient;

    public CrossEntropyLoss(String owner) {
        this.buffers = new Buffers(owner);
    }

    /** The mean loss [1] of {@code logits [N, C]} against {@code targets [N]}; also prepares {@link #gradient}. */
    public Tensor forward(Ops ops, Tensor logits, IntTensor targets) {
        Tensor loss = buffers.get("loss", 1);
        gradient = buffers.get("dlogits", logits.shape());
        ops.crossEntropy(logits, targets, IGNORE_INDEX, loss, gradient);
        return loss;
    }

    /** d loss / d logits of the last {@link #forward}. */
    public Tensor gradient() {
        return gradient;
    }
}
