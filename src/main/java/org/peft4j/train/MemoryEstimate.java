package org.peft4j.train;

import java.util.List;
import java.util.Locale;
import org.peft4j.nn.AdaptableModel;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.TokenBatch;
import org.peft4j.nn.TrainableModel;
import org.peft4j.optim.Optimizer;

/**
 * The heap a training run will hold, estimated before its first step (float32, 4 bytes a value):
 * <pre>
 *   parameters  = 4 · Σ |θ|                        every parameter, frozen ones included
 *   gradients   = 4 · Σ |θ| over trainable ones
 *   optimizer   = optimizer.stateBytes()
 *   activations = 4 · 3 · B·S · Σ_Linear (in + out) inputs and outputs of every Linear for a
 *                                                  [B, S] batch, their gradients and the
 *                                                  elementwise tensors between them (factor 3)
 * </pre>
 * The activation term is a rough estimate (attention scores are not counted), meant to refuse
 * runs that clearly cannot fit, with the numbers, instead of failing with an OutOfMemoryError
 * after loading everything.
 */
public record MemoryEstimate(long parameterBytes, long gradientBytes, long optimizerBytes, long activationBytes) {
    private static final int ACTIVATION_FACTOR = 3;

    public static MemoryEstimate of(TrainableModel model, Optimizer optimizer, TokenBatch batch) {
        List<Parameter> parameters = model.parameters();
        long all = parameters.stream().mapToLong(p -> p.value().size()).sum();
        long trainable = parameters.stream().filter(Parameter::trainable).mapToLong(p -> p.value().size()).sum();
        long features = model instanceof AdaptableModel adaptable
                ? adaptable.linears().values().stream().mapToLong(l -> (long) l.inFeatures() + l.outFeatures()).sum() : 0;
        long tokens = batch.ids().size();
        return new MemoryEstimate(4 * all, 4 * trainable, optimizer.stateBytes(), 4L * ACTIVATION_FACTOR * tokens * features);
    }

    public long totalBytes() {
        return parameterBytes + gradientBytes + optimizerBytes + activationBytes;
    }

    /** Throws {@link InsufficientMemoryException} when the total exceeds {@code maxHeapBytes}. */
    public void requireFits(long maxHeapBytes, String batchShape) {
        if (totalBytes() <= maxHeapBytes) return;
        throw new InsufficientMemoryException(String.format(Locale.ROOT,
                "training needs about %s of heap (parameters %s, gradients %s, optimizer state %s, activations of a %s batch %s)"
                        + " but the JVM may use at most %s; raise -Xmx (PEFT4J_JAVA_OPTS=-Xmx… for scripts/peft4j)"
                        + " or lower the batch size or sequence length",
                size(totalBytes()), size(parameterBytes), size(gradientBytes), size(optimizerBytes), batchShape, size(activationBytes),
                size(maxHeapBytes)));
    }

    /** {@code bytes} in KiB, MiB or GiB, whichever reads best. */
    static String size(long bytes) {
        double kib = bytes / 1024.0, mib = kib / 1024, gib = mib / 1024;
        return gib >= 1 ? String.format(Locale.ROOT, "%.1f GiB", gib)
                : mib >= 1 ? String.format(Locale.ROOT, "%.0f MiB", mib) : String.format(Locale.ROOT, "%.0f KiB", kib);
    }

    /** A run refused before it starts because its estimated heap does not fit; the message has the numbers. */
    public static final class InsufficientMemoryException extends IllegalArgumentException {
        InsufficientMemoryException(String message) { super(message); }
    }
}
