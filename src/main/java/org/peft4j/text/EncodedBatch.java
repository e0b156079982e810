package org.peft4j.text;

import org.peft4j.tensor.IntTensor;

import java.util.Arrays;
import java.util.List;

/** A batch of encodings padded to one length: {@code ids}, {@code attentionMask} and {@code typeIds}, each {@code [B, S]}. */
public record EncodedBatch(IntTensor ids, IntTensor attentionMask, IntTensor typeIds) {
    public EncodedBatch {
        if (ids.shape().length != 2 || !Arrays.equals(ids.shape(), attentionMask.shape())
                || !Arrays.equals(ids.shape(), typeIds.shape())) {
            throw new IllegalArgumentException("EncodedBatch: ids " + ids + ", mask " + attentionMask + " and type ids "
                    + typeIds + " must share one [B, S] shape");
        }
    }

    /** Pads every encoding to {@code length} and stacks them row by row. */
    public static EncodedBatch of(List<Encoding> encodings, int length, int padId, int padTypeId) {
        int batch = encodings.size();
        int[] ids = new int[batch * length], mask = new int[batch * length], types = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            Encoding e = encodings.get(b).padded(length, padId, padTypeId);
            System.arraycopy(e.ids(), 0, ids, b * length, length);
            System.arraycopy(e.attentionMask(), 0, mask, b * length, length);
            System.arraycopy(e.typeIds(), 0, types, b * length, length);
        }
        return new EncodedBatch(new IntTensor(ids, new int[] {batch, length}), new IntTensor(mask, new int[] {batch, length}),
                new IntTensor(types, new int[] {batch, length}));
    }

    public int batchSize() { return ids.dim(0); }

    public int length() { return ids.dim(1); }
}
