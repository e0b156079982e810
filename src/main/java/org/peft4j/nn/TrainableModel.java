package org.peft4j.nn;

import org.peft4j.backend.Ops;
import org.peft4j.tensor.Tensor;

/**
 * A model with its task head and loss, as the trainer drives it. One training step is
 * <pre>
 *   forward(ops, batch, true); loss(ops, batch); backward(ops, true);
 * </pre>
 * recorded once per batch shape into a {@code Plan} and replayed.
 */
public interface TrainableModel extends Module {

    /** Task outputs (class logits [B, C] or token logits [B·S, V]). */
    Tensor forward(Ops ops, TokenBatch batch, boolean training);

    /** Mean cross-entropy of the last forward against {@code batch.targets()}, a one-element tensor; also prepares backward. */
    Tensor loss(Ops ops, TokenBatch batch);

    /** Backpropagates the last {@link #loss}, accumulating into every trainable parameter's gradient. */
    void backward(Ops ops, boolean training);

    /** The dropout sites, whose step the trainer advances. */
    DropoutSites dropoutSites();
}
