package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Fused attention on the device ({@link AttentionKernels}): forward as two kernels, backward as
 * four, in one graph each. q, k, v (and dq, dk, dv) may be one packed tensor: each distinct tensor
 * is one operand, so the heads' columns that different kernels write land in the same array.
 */
final class AttentionCalls {
    private final Device device;

    AttentionCalls(Device device) {
        this.device = device;
    }

    void forward(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor seed, Tensor probs, Tensor out) {
        spec.check("attention", q, k, v, keyMask, seed, probs, out);
        int[] dims = dims(spec, q, k, v, probs, out);
        IntTensor mask = keyMask == null ? allKeys(probs.dim(0), probs.dim(2)) : keyMask;
        IntTensor seeds = seed == null ? IntTensor.zeros(2) : seed;
        Operands operands = new Operands(q, k, v);
        Device.Call call = device.call("attention", build -> {
            float[][] qkv = operands.register(build, Device.Use.READ);
            int[] md = build.operand(mask, Device.Use.READ), sd = build.operand(seeds, Device.Use.READ);
            float[] pd = build.operand(probs, Device.Use.WRITE), od = build.operand(out, Device.Use.WRITE);
            float[] h = build.scalars(4);
            int[] d = build.sizes(dims);
            build.task("probabilities", (g, id) -> g.task(id, AttentionKernels::probabilities, qkv[0], qkv[1], md, pd, h, d), null);
            return build.task("outputs", (g, id) -> g.task(id, AttentionKernels::outputs, pd, qkv[2], sd, od, h, d), null).build();
        }, operands.pattern(), java.util.Arrays.toString(dims));
        List<Object> run = new ArrayList<>(operands.distinct());
        run.addAll(List.of(mask, seeds, probs, out));
        device.run(call, new float[][] {scalars(spec)}, run.toArray());
    }

    void backward(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor seed, Tensor probs, Tensor dOut,
                  Tensor dq, Tensor dk, Tensor dv) {
        spec.checkBackward("attentionBackward", q, k, v, seed, probs, dOut, dq, dk, dv);
        int[] dims = dims(spec, q, k, v, probs, dOut);
        IntTensor seeds = seed == null ? IntTensor.zeros(2) : seed;
        Operands inputs = new Operands(q, k, v), grads = new Operands(dq, dk, dv);
        Device.Call call = device.call("attentionBackward", build -> {
            float[][] qkv = inputs.register(build, Device.Use.READ);
            int[] sd = build.operand(seeds, Device.Use.READ);
            float[] pd = build.operand(probs, Device.Use.UPDATE), god = build.operand(dOut, Device.Use.READ);
            float[][] dqkv = grads.register(build, Device.Use.UPDATE);
            float[] h = build.scalars(4);
            int[] d = build.sizes(dims);
            build.task("values", (g, id) -> g.task(id, AttentionKernels::values, pd, god, sd, dqkv[2], h, d), null);
            build.task("scores", (g, id) -> g.task(id, AttentionKernels::scoreGradients, pd, qkv[2], god, sd, h, d), null);
            build.task("queries", (g, id) -> g.task(id, AttentionKernels::queries, pd, qkv[1], dqkv[0], h, d), null);
            return build.task("keys", (g, id) -> g.task(id, AttentionKernels::keys, pd, qkv[0], dqkv[1], h, d), null).build();
        }, inputs.pattern(), grads.pattern(), java.util.Arrays.toString(dims));
        List<Object> run = new ArrayList<>(inputs.distinct());
        run.addAll(List.of(seeds, probs, dOut));
        run.addAll(grads.distinct());
        device.run(call, new float[][] {scalars(spec)}, run.toArray());
    }

    /** {@link AttentionKernels}' {@code d}. */
    private static int[] dims(AttentionSpec spec, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor context) {
        return new int[] {probs.dim(0), AttentionSpec.heads(probs), probs.dim(2), AttentionSpec.headDim(probs, context),
                q.dim(2), k.dim(2), v.dim(2), spec.qColumn(), spec.kColumn(), spec.vColumn(), spec.causal() ? 1 : 0};
    }

    /** The key mask of unpadded batches: every key visible. */
    private static IntTensor allKeys(int batch, int seq) {
        int[] ones = new int[batch * seq];
        java.util.Arrays.fill(ones, 1);
        return new IntTensor(ones, new int[] {batch, seq});
    }

    /** {@link AttentionKernels}' {@code h}. */
    private static float[] scalars(AttentionSpec spec) {
        float p = spec.dropout();
        return new float[] {spec.scale(), p, 1f / (1f - p), spec.dropoutSite()};
    }

    /** Three tensors that may be one: each distinct one registered once, in first-seen order. */
    private record Operands(Tensor first, Tensor second, Tensor third) {
        List<Tensor> distinct() {
            List<Tensor> seen = new ArrayList<>();
            for (Tensor t : new Tensor[] {first, second, third}) if (index(seen, t) < 0) seen.add(t);
            return seen;
        }

        /** Which of the three are the same tensor (part of the compiled call's identity). */
        String pattern() {
            List<Tensor> d = distinct();
            return "" + index(d, first) + index(d, second) + index(d, third);
        }

        private static int index(List<Tensor> tensors, Tensor t) {
            for (int i = 0; i < tensors.size(); i++) if (tensors.get(i) == t) return i;
            return -1;
        }

        float[][] register(Device.Builder build, Device.Use use) {
            Map<Tensor, float[]> arrays = new IdentityHashMap<>();
            for (Tensor t : distinct()) arrays.put(t, build.operand(t, use));
            return new float[][] {arrays.get(first), arrays.get(second), arrays.get(third)};
        }
    }
}
