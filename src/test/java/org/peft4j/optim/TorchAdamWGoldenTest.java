package org.peft4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * Three steps of torch.optim.AdamW recorded by {@code torch_adamw_golden.py} (torch 2.13 CPU, AVX-512).
 * The moments must match bit for bit. The parameter goes through torch's float sqrt, which in MKL builds is
 * off by one ulp for about a fifth of inputs, so it is held to 2e-8 (a 1-ulp denominator moves an update
 * of size ≤ lr by ~lr·6e-8); with torch's sqrt substituted the order of operations matched exactly.
 */
class TorchAdamWGoldenTest {

    @Test
    void momentsMatchTorchBitForBitAndParametersToTheSqrtRounding() throws IOException {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("torch_adamw_golden.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        Parameter p = Parameter.trainable("w", floats(golden.get("param")));
        var settings = new AdamWOptimizer.Settings(golden.get("betas").get(0).asDouble(), golden.get("betas").get(1).asDouble(),
                golden.get("eps").asDouble());
        var optimizer = new AdamWOptimizer(List.of(new ParameterGroup("all", List.of(p), 1, golden.get("weight_decay").asDouble())),
                settings, AdamWKernel.TORCH_ORDER_ON_HOST);
        try (var ops = new JvmBackend(1)) {
            for (int step = 0; step < golden.get("lrs").size(); step++) {
                p.grad().copyFrom(floats(golden.get("grads").get(step)));
                optimizer.step(ops, golden.get("lrs").get(step).asDouble());
            }
        }

        assertArrayEquals(AdamWOptimizerTest.bits(floats(golden.get("expected_exp_avg"))),
                AdamWOptimizerTest.bits(optimizer.state().get("w.exp_avg")), "exp_avg bits");
        assertArrayEquals(AdamWOptimizerTest.bits(floats(golden.get("expected_exp_avg_sq"))),
                AdamWOptimizerTest.bits(optimizer.state().get("w.exp_avg_sq")), "exp_avg_sq bits");
        Tensor expected = floats(golden.get("expected_param"));
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.at(i), p.value().at(i), 2e-8, "param[" + i + "]");
    }

    private static Tensor floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return Tensor.of(out, out.length);
    }
}
