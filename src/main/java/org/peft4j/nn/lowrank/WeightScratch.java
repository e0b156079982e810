package org.peft4j.nn.lowrank;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.tensor.Tensor;

/**
 * The transient dense matrices of weights that are materialised for each product: W and its
 * gradient dW, one pair per shape [out, in], shared by every layer built with the same scratch.
 * Layers run one after another (a recorded plan replays them in order), so each layer writes W
 * before it reads it, in forward and again in backward; memory stays that of the largest layer
 * rather than a dense copy of every weight.
 */
public final class WeightScratch {
    private final Map<List<Integer>, Tensor[]> byShape = new HashMap<>();

    /** The shared W buffer [out, in]. */
    Tensor weight(int out, int in) { return pair(out, in)[0]; }

    /** The shared dW buffer [out, in]. */
    Tensor gradient(int out, int in) { return pair(out, in)[1]; }

    /** Bytes held by the scratch matrices. */
    public long bytes() {
        return byShape.values().stream().mapToLong(p -> 4L * (p[0].size() + p[1].size())).sum();
    }

    private Tensor[] pair(int out, int in) {
        return byShape.computeIfAbsent(List.of(out, in), k -> new Tensor[] {
                Tensor.zeros(out, in).named("scratch.weight[" + out + "×" + in + "]"),
                Tensor.zeros(out, in).named("scratch.weight_grad[" + out + "×" + in + "]")});
    }
}
