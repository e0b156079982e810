package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/**
 * nearestCode against brute force in double: every distance within 1e-4·(1 + ‖x‖² + ‖c‖²), and the
 * chosen code is the brute-force argmin unless the two best distances lie within that tolerance
 * (then the chosen code must be one of those near-ties).
 */
class CodeAssignmentTest {

    static Stream<Arguments> shapes() {
        int[][] nkd = {{1, 1, 1}, {3, 1, 7}, {7, 3, 1}, {33, 7, 3}, {65, 33, 7}, {517, 65, 33}, {130, 17, 517}};
        return Stream.of(1, 2).flatMap(t -> Stream.of(nkd).map(s -> Arguments.of(t, s[0], s[1], s[2])));
    }

    @ParameterizedTest(name = "threads={0} N={1} K={2} D={3}")
    @MethodSource("shapes")
    void matchesBruteForce(int threads, int n, int k, int d) {
        Tensor x = Tensor.normal(n * 31L + d, 1f, n, d);
        Tensor c = Tensor.normal(k * 17L + d, 1f, k, d);
        Tensor distances = Tensor.uniform(5, 3f, n, k); // stale values must be overwritten
        IntTensor codes = new IntTensor(new int[n], new int[] {n});
        java.util.Arrays.fill(codes.data(), -7);
        TestBackends.threads(threads).nearestCode(x, c, distances, codes);
        for (int i = 0; i < n; i++) {
            double best = Double.POSITIVE_INFINITY, second = Double.POSITIVE_INFINITY;
            int argmin = -1;
            double xNorm = 0;
            for (int t = 0; t < d; t++) xNorm += (double) x.at(i * d + t) * x.at(i * d + t);
            double[] exact = new double[k];
            for (int j = 0; j < k; j++) {
                double sum = 0, cNorm = 0;
                for (int t = 0; t < d; t++) {
                    double diff = (double) x.at(i * d + t) - c.at(j * d + t);
                    sum += diff * diff;
                    cNorm += (double) c.at(j * d + t) * c.at(j * d + t);
                }
                exact[j] = sum;
                double tolerance = 1e-4 * (1 + xNorm + cNorm);
                assertEquals(sum, distances.at(i * k + j), tolerance, "distance row " + i + " code " + j);
                if (sum < best) {
                    second = best;
                    best = sum;
                    argmin = j;
                } else if (sum < second) {
                    second = sum;
                }
            }
            int chosen = codes.data()[i];
            double tieTolerance = 2e-4 * (1 + xNorm + best);
            if (second - best > tieTolerance) assertEquals(argmin, chosen, "code of row " + i);
            else assertTrue(exact[chosen] - best <= tieTolerance, "row " + i + " chose a code far from the best");
        }
    }

    @Test
    void duplicateCodesPickTheFirst() {
        Tensor c = Tensor.of(new float[] {1, 2, 5, 5, 1, 2}, 3, 2);
        Tensor x = Tensor.of(new float[] {1.1f, 2.1f, 4f, 4f}, 2, 2);
        IntTensor codes = IntTensor.zeros(2);
        TestBackends.threads(1).nearestCode(x, c, Tensor.zeros(2, 3), codes);
        assertEquals(0, codes.data()[0]);
        assertEquals(1, codes.data()[1]);
    }

    @Test
    void rejectsMismatchedShapes() {
        JvmBackend ops = TestBackends.threads(1);
        Tensor x = Tensor.normal(1, 1f, 4, 3);
        var e = assertThrows(ShapeException.class, () -> ops.nearestCode(x, Tensor.zeros(5, 2), Tensor.zeros(4, 5), IntTensor.zeros(4)));
        assertTrue(e.getMessage().contains("codebook rows have 2 values but x rows have 3"), e.getMessage());
        assertThrows(ShapeException.class, () -> ops.nearestCode(x, Tensor.zeros(5, 3), Tensor.zeros(4, 4), IntTensor.zeros(4)));
        assertThrows(ShapeException.class, () -> ops.nearestCode(x, Tensor.zeros(5, 3), Tensor.zeros(4, 5), IntTensor.zeros(3)));
    }
}
