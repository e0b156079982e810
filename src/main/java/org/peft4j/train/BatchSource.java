package org.peft4j.train;

import org.peft4j.nn.TokenBatch;

/**
 * Training batches as a pure function of the step number (and the source's seed), so that a
 * resumed run sees exactly the batches an uninterrupted one would.
 */
public interface BatchSource {
    TokenBatch batch(long step);

    /** Batches in one pass over the data (for epoch counting and progress). */
    long batchesPerEpoch();
}
