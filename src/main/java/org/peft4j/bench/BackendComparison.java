package org.peft4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.backend.Backend;
import org.peft4j.backend.DeviceTime;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * The same kernels and training steps on several backends, side by side: each kernel at the
 * shapes of a MiniLM layer for a batch of {@code batch × seq} tokens (hidden 384, 12 heads,
 * FFN 1536, LoRA r 8), then whole encoder steps. Warm timings (median after warm-up) with any
 * device profiler off; on a device backend, the time spent copying between host and device and in
 * kernels comes from a second, profiled set of runs.
 */
public final class BackendComparison {
    private static final int HIDDEN = 384, HEADS = 12, FFN = 1536, RANK = 8;

    private BackendComparison() {}

    /** One backend's time for one case: median seconds per run, and mean device copy time per run. */
    public record Measurement(StepTimer.Timing timing, double transferSeconds, double deviceKernelSeconds) {}

    /** One kernel or step, measured on each backend (by name, in the order given). */
    public record Row(String name, Map<String, Measurement> byBackend) {}

    public static List<Row> kernels(List<Backend> backends, int batch, int seq, int warmup, int runs) {
        int rows = batch * seq;
        Tensor x = Tensor.uniform(1, 1f, rows, HIDDEN), w = Tensor.uniform(2, 0.05f, HIDDEN, HIDDEN);
        Tensor y = Tensor.zeros(rows, HIDDEN), dw = Tensor.zeros(HIDDEN, HIDDEN), dx = Tensor.zeros(rows, HIDDEN);
        Tensor q = Tensor.uniform(3, 1f, batch, seq, HIDDEN), k = Tensor.uniform(4, 1f, batch, seq, HIDDEN);
        Tensor probs = Tensor.zeros(batch, HEADS, seq, seq), context = Tensor.zeros(batch, seq, HIDDEN);
        Tensor dq = Tensor.zeros(batch, seq, HIDDEN), dk = Tensor.zeros(batch, seq, HIDDEN), dv = Tensor.zeros(batch, seq, HIDDEN);
        AttentionSpec attention = new AttentionSpec(0, 0, 0, 0.125f, false, 0.1f, 0);
        IntTensor seed = new IntTensor(new int[] {1, 2}, new int[] {2});
        IntTensor mask = IntTensor.zeros(batch, seq);
        java.util.Arrays.fill(mask.data(), 1);
        Tensor gamma = Tensor.uniform(5, 1f, HIDDEN), beta = Tensor.uniform(6, 1f, HIDDEN);
        Tensor mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows), dgamma = Tensor.zeros(HIDDEN), dbeta = Tensor.zeros(HIDDEN);
        Tensor ffn = Tensor.uniform(7, 2f, rows, FFN), ffnOut = Tensor.zeros(rows, FFN);
        Tensor a = Tensor.uniform(8, 0.05f, RANK, HIDDEN), b = Tensor.uniform(9, 0.05f, HIDDEN, RANK);
        Tensor h = Tensor.zeros(rows, RANK), dh = Tensor.zeros(rows, RANK), da = Tensor.zeros(RANK, HIDDEN), db = Tensor.zeros(HIDDEN, RANK);
        Tensor m = Tensor.zeros(HIDDEN, HIDDEN), v = Tensor.zeros(HIDDEN, HIDDEN), sum = Tensor.zeros(1);
        Map<String, Consumer<Ops>> cases = new LinkedHashMap<>();
        cases.put("linear forward x·Wᵀ", ops -> ops.gemm(Transpose.N, Transpose.T, 1f, x, w, 0f, y));
        cases.put("linear weight grad dyᵀ·x", ops -> ops.gemm(Transpose.T, Transpose.N, 1f, y, x, 1f, dw));
        cases.put("linear input grad dy·W", ops -> ops.gemm(Transpose.N, Transpose.N, 1f, y, w, 0f, dx));
        cases.put("attention forward (fused, dropout 0.1)", ops -> ops.attention(attention, q, k, q, mask, seed, probs, context));
        cases.put("attention backward (fused)", ops -> ops.attentionBackward(attention, q, k, q, seed, probs, context, dq, dk, dv));
        cases.put("layer norm", ops -> ops.layerNorm(x, gamma, beta, 1e-12f, y, mean, rstd));
        cases.put("layer norm backward", ops -> ops.layerNormBackward(y, x, gamma, mean, rstd, dx, dgamma, dbeta));
        cases.put("GELU (FFN width)", ops -> ops.gelu(ffn, ffnOut));
        cases.put("LoRA forward r=8", ops -> ops.loraForward(x, a, b, 2f, h, y));
        cases.put("LoRA backward r=8", ops -> ops.loraBackward(x, y, a, b, 2f, h, dh, da, db));
        cases.put("AdamW 384×384", ops -> ops.adamW(w, dw, m, v, new AdamW(1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, 1)));
        cases.put("sum of squares 384×384", ops -> ops.sumOfSquares(dw, sum));
        List<Row> table = new ArrayList<>();
        for (Map.Entry<String, Consumer<Ops>> c : cases.entrySet()) {
            Map<String, Measurement> byBackend = new LinkedHashMap<>();
            for (Backend backend : backends) byBackend.put(backend.name(), measure(backend, warmup, runs, () -> c.getValue().accept(backend)));
            table.add(new Row(c.getKey(), byBackend));
        }
        return table;
    }

    /** Encoder training steps (frozen + LoRA, fully trainable) on each backend. */
    public static List<Row> steps(List<Backend> backends, int batch, int seq, int warmup, int runs) {
        List<Row> table = new ArrayList<>();
        for (String mode : List.of("lora", "full")) {
            Map<String, Measurement> byBackend = new LinkedHashMap<>();
            for (Backend backend : backends) {
                try (TrainingStepBenchmark.Step step = TrainingStepBenchmark.prepare(backend, "encoder", mode, batch, seq)) {
                    byBackend.put(backend.name(), measure(backend, warmup, runs, step::run));
                }
            }
            table.add(new Row("MiniLM-size encoder step, " + (mode.equals("lora") ? "LoRA r=8 q,v" : "full fine-tune"), byBackend));
        }
        return table;
    }

    /** Timed with the device profiler off; the copy and kernel split comes from as many runs again with it on. */
    private static Measurement measure(Backend backend, int warmup, int runs, Runnable body) {
        StepTimer.Timing timing = StepTimer.time(warmup, runs, body);
        DeviceTime t = profiled(backend, () -> {
            for (int i = 0; i < runs; i++) body.run();
        });
        return new Measurement(timing, t.transfers() / 1e9 / runs, t.kernels() / 1e9 / runs);
    }

    private static DeviceTime profiled(Backend backend, Runnable runs) {
        backend.profileDevice(true);
        backend.resetDeviceTime();
        try {
            runs.run();
            return backend.deviceTime();
        } finally {
            backend.profileDevice(false);
        }
    }
}
