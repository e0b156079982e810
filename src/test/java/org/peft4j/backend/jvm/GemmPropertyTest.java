package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

class GemmPropertyTest {
    private static final Parallel ONE = TestBackends.pool(1), TWO = TestBackends.pool(2);

    @Property(tries = 150)
    void anyShapeTransposeAndScalingMatchesTheTripleLoop(
            @ForAll Transpose ta, @ForAll Transpose tb,
            @ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 300) int k,
            @ForAll @IntRange(min = 1, max = 70) int n,
            @ForAll @FloatRange(min = -2, max = 2) float alpha, @ForAll @FloatRange(min = -1, max = 1) float beta,
            @ForAll long seed) {
        Tensor a = GemmTest.operand(seed, ta, m, k);
        Tensor b = GemmTest.operand(seed + 1, tb, k, n);
        Tensor c = Tensor.uniform(seed + 2, 1f, m, n);
        Tensor c0 = c.copy();
        Gemm.gemm(ONE, ta, tb, alpha, a, b, beta, c);
        assertNull(GemmReference.of(ta, tb, alpha, a, b, beta, c0).firstViolation(c));
    }

    @Property(tries = 12)
    void threadCountNeverChangesABit(
            @ForAll Transpose ta, @ForAll Transpose tb,
            @ForAll @IntRange(min = 60, max = 200) int m, @ForAll @IntRange(min = 100, max = 300) int k,
            @ForAll @IntRange(min = 1, max = 200) int n, @ForAll long seed) {
        Tensor a = GemmTest.operand(seed, ta, m, k);
        Tensor b = GemmTest.operand(seed + 1, tb, k, n);
        Tensor serial = Tensor.zeros(m, n);
        Tensor parallel = Tensor.zeros(m, n);
        Gemm.gemm(ONE, ta, tb, 1f, a, b, 0f, serial);
        Gemm.gemm(TWO, ta, tb, 1f, a, b, 0f, parallel);
        assertArrayEquals(serial.toArray(), parallel.toArray());
    }
}
