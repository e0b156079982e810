package org.peft4j.optim;

import java.util.ArrayList;
import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;

/**
 * ALLoRA (Huang &amp; Balestriero, 2024, "ALLoRA: Adaptive Learning Rate Mitigates LoRA Fatal Flaws"): LoRA without
 * dropout and without the α/r scaling, whose gradients are scaled inversely to the ℓ2 norm of the parameters they
 * update. For every row θ_i of each trainable factor (A [r, in] and B [out, r]):
 * <pre>
 *   g_i ← g_i / √(‖θ_i‖² + 1/η²)
 * </pre>
 * so a row at zero (B at initialisation) learns η times faster and a large row about 1/‖θ_i‖ as fast.
 */
public final class Allora implements GradientAdjustment {
    private final List<Parameter> factors = new ArrayList<>();
    private final double inverseEtaSquare;

    public Allora(List<LoraPair> pairs, double eta) {
        if (!(eta > 0 && Double.isFinite(eta))) throw new IllegalArgumentException("ALLoRA eta must be finite and > 0, got " + eta);
        for (LoraPair pair : pairs) {
            if (pair.scale() != 1) {
                throw new IllegalArgumentException("ALLoRA trains LoRA without α scaling (s = 1, i.e. alpha = rank); "
                        + pair.a().name() + " has s = " + pair.scale());
            }
            for (Parameter p : List.of(pair.a(), pair.b())) if (p.trainable()) factors.add(p);
        }
        this.inverseEtaSquare = 1 / (eta * eta);
    }

    @Override
    public void adjust(Ops ops) {
        for (Parameter p : factors) {
            Tensor theta = p.value(), grad = p.grad();
            int cols = theta.cols();
            for (int i = 0; i < theta.rows(); i++) {
                double squares = 0;
                for (int j = 0; j < cols; j++) squares += (double) theta.at(i * cols + j) * theta.at(i * cols + j);
                float factor = (float) (1 / Math.sqrt(squares + inverseEtaSquare));
                for (int j = 0; j < cols; j++) grad.put(i * cols + j, grad.at(i * cols + j) * factor);
            }
        }
    }
}
