package org.peft4j.nn;

import org.peft4j.tensor.IntTensor;

/**
 * Token inputs of one batch: {@code ids [B, S]}, attention {@code mask [B, S]} (1 = real token,
 * 0 = padding), optional {@code typeIds [B, S]} (segment ids; null means all 0), and
 * {@code targets}: class labels [B] for classification or next-token ids [B, S] for language
 * modelling (may be null at inference).
 */
public record TokenBatch(IntTensor ids, IntTensor mask, IntTensor typeIds, IntTensor targets) {
    public TokenBatch {
        if (ids.shape().length != 2) throw new IllegalArgumentException("token ids must be [batch, sequence], got " + ids);
        if (mask != null && mask.size() != ids.size()) throw new IllegalArgumentException("mask " + mask + " does not match ids " + ids);
        if (typeIds != null && typeIds.size() != ids.size()) throw new IllegalArgumentException("type ids " + typeIds + " do not match ids " + ids);
    }

    public int batchSize() { return ids.dim(0); }

    public int sequenceLength() { return ids.dim(1); }

    /** The same shapes, fresh zeroed arrays: a staging batch that a recorded plan reads from. */
    public TokenBatch emptyLike() {
        return new TokenBatch(IntTensor.zeros(ids.shape()), mask == null ? null : IntTensor.zeros(mask.shape()),
                typeIds == null ? null : IntTensor.zeros(typeIds.shape()), targets == null ? null : IntTensor.zeros(targets.shape()));
    }

    /** Copies every array of {@code other} (same shapes) into this batch's arrays. */
    public void copyFrom(TokenBatch other) {
        copy(other.ids, ids);
        copy(other.mask, mask);
        copy(other.typeIds, typeIds);
        copy(other.targets, targets);
    }

    private static void copy(IntTensor from, IntTensor to) {
        if ((from == null) != (to == null) || (from != null && from.size() != to.size())) {
            throw new IllegalArgumentException("batch layout differs: " + from + " vs " + to);
        }
        if (from != null) System.arraycopy(from.data(), 0, to.data(), 0, from.size());
    }
}
