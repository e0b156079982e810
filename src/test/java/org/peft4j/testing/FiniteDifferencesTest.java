package org.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Central differences reproduce analytic gradients to O(h²) and leave the point untouched. */
class FiniteDifferencesTest {

    @Test
    void gradientOfAPolynomial() {
        // f(x) = x0³ + x0·x1 + sin(x2):  ∇f = (3x0² + x1, x0, cos x2)
        double[] x = {0.7, -1.3, 2.1}, before = x.clone();
        double[] g = FiniteDifferences.gradient(p -> p[0] * p[0] * p[0] + p[0] * p[1] + Math.sin(p[2]), x, 1e-4);
        assertArrayEquals(new double[] {3 * 0.49 - 1.3, 0.7, Math.cos(2.1)}, g, 1e-7);
        assertArrayEquals(before, x, 0, "the point is restored");
    }

    @Test
    void vectorJacobianProductOfALinearMap() {
        // F(x) = A·x, so wᵀJ = wᵀA exactly
        double[][] a = {{1, 2, 3}, {-4, 5, 0.5}};
        double[] w = {0.3, -2};
        double[] vjp = FiniteDifferences.vectorJacobianProduct(
                p -> new double[] {a[0][0] * p[0] + a[0][1] * p[1] + a[0][2] * p[2], a[1][0] * p[0] + a[1][1] * p[1] + a[1][2] * p[2]},
                new double[] {1, 2, 3}, w, 1e-3);
        assertArrayEquals(new double[] {0.3 * 1 - 2 * -4, 0.3 * 2 - 2 * 5, 0.3 * 3 - 2 * 0.5}, vjp, 1e-9);
    }

    @Test
    void rejectsBadArguments() {
        assertEquals("finite-difference step must be positive, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.gradient(p -> 0, new double[1], 0)).getMessage());
        assertEquals("function has 2 outputs but the upstream gradient has 1",
                assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.vectorJacobianProduct(
                        p -> new double[2], new double[1], new double[1], 1e-3)).getMessage());
    }
}
