package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.peft4j.testing.AllClose.assertAllClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Fused cross-entropy against a double reference: random logits (spread ±8, so the softmax spans
 * many orders of magnitude) on odd shapes, every fourth row's target ignored.
 */
class LossesTest {
    private static final int IGNORE = -100;

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return TestBackends.threadsAndShapes(TestBackends.MATRIX_SHAPES);
    }

    @ParameterizedTest(name = "threads={0} rows={1} classes={2}")
    @MethodSource("cases")
    void lossAndGradientMatchTheDefinition(int threads, int rows, int classes) {
        Tensor logits = Tensor.uniform(rows * 31L + classes, 8f, rows, classes);
        int[] targets = new int[rows];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(rows + 7L * classes);
        for (int r = 0; r < rows; r++) targets[r] = r % 4 == 3 ? IGNORE : rng.nextInt(classes);
        Tensor loss = Tensor.zeros(1), dlogits = Tensor.zeros(rows, classes);
        TestBackends.threads(threads).crossEntropy(logits, new IntTensor(targets, new int[] {rows}), IGNORE, loss, dlogits);

        double[] grad = new double[rows * classes];
        double total = 0;
        int counted = 0;
        for (int r = 0; r < rows; r++) if (targets[r] != IGNORE) counted++;
        for (int r = 0; r < rows; r++) {
            if (targets[r] == IGNORE) continue;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < classes; j++) max = Math.max(max, logits.at(r * classes + j));
            for (int j = 0; j < classes; j++) sum += Math.exp(logits.at(r * classes + j) - max);
            double logSum = max + Math.log(sum);
            total += logSum - logits.at(r * classes + targets[r]);
            for (int j = 0; j < classes; j++) {
                grad[r * classes + j] = (Math.exp(logits.at(r * classes + j) - logSum) - (j == targets[r] ? 1 : 0)) / counted;
            }
        }
        double expectedLoss = counted == 0 ? 0 : total / counted;
        assertEquals(expectedLoss, loss.at(0), 1e-6 * Math.abs(expectedLoss) + 1e-7, "loss");
        assertAllClose(grad, dlogits, 1e-5, 1e-8, "dlogits");
    }
}
