package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/** A product reading op(B)'s panels packed once computes what one packing them itself does, bit for bit. */
class ConstantPanelsTest {
    private static final Parallel ONE = TestBackends.pool(1), TWO = TestBackends.pool(2);

    /** Split over rows and over columns, depth past one and two KC blocks, widths not a multiple of NR or past one NC block. */
    static Stream<Arguments> packedShapes() {
        return Stream.of(
                Arguments.of(Transpose.N, Transpose.T, 1024, 384, 1152),  // a forward x·Wᵀ, split over rows
                Arguments.of(Transpose.N, Transpose.N, 130, 1100, 67),    // dy·W, three depth blocks, a partial panel
                Arguments.of(Transpose.T, Transpose.N, 17, 260, 1100),    // split over columns, past one NC block
                Arguments.of(Transpose.N, Transpose.T, 40, 530, 390),     // split over columns, two depth blocks
                Arguments.of(Transpose.T, Transpose.T, 99, 40, 170));
    }

    @ParameterizedTest(name = "{0}{1} m={2} k={3} n={4}")
    @MethodSource("packedShapes")
    void packedOnceEqualsPackedPerCallOnOneAndTwoThreads(Transpose ta, Transpose tb, int m, int k, int n) {
        Tensor b = GemmTest.operand(52, tb, k, n);
        Tensor c0 = Tensor.uniform(53, 1f, m, n);
        for (Parallel pool : new Parallel[] {ONE, TWO}) {
            ConstantPanels panels = new ConstantPanels();
            for (long seed = 60; seed < 63; seed++) {
                Tensor a = GemmTest.operand(seed, ta, m, k);
                Tensor perCall = c0.copy(), packedOnce = c0.copy();
                Gemm.gemm(pool, ta, tb, 0.75f, a, b, 0.5f, perCall);
                Gemm.gemm(pool, ta, tb, 0.75f, a, b, 0.5f, packedOnce, panels);
                assertArrayEquals(perCall.toArray(), packedOnce.toArray(), pool.threads() + " threads, A seed " + seed);
            }
            assertEquals(1, panels.count(), "one operand, packed once");
            long padded = (long) k * GemmBlocked.roundUp(n, GemmMicroKernel.NR);
            assertEquals(padded, panels.size(), "every depth block, every panel zero-padded to NR columns");
        }
    }

    @Test
    void productsThatDoNotPackBLeaveItUnpackedAndStayExact() {
        ConstantPanels panels = new ConstantPanels();
        int[][] mkn = {{517, 320, 13}, {1100, 8, 390}, {37, 530, GemmMicroKernel.NR}};  // dot, shallow, one tile wide
        for (int[] s : mkn) {
            Tensor a = GemmTest.operand(71, Transpose.N, s[0], s[1]);
            Tensor b = GemmTest.operand(72, Transpose.N, s[1], s[2]);
            Tensor perCall = Tensor.zeros(s[0], s[2]), constant = Tensor.zeros(s[0], s[2]);
            Gemm.gemm(TWO, Transpose.N, Transpose.N, 1f, a, b, 0f, perCall);
            Gemm.gemm(TWO, Transpose.N, Transpose.N, 1f, a, b, 0f, constant, panels);
            assertArrayEquals(perCall.toArray(), constant.toArray(), java.util.Arrays.toString(s));
        }
        assertEquals(0, panels.count());
    }

    @Test
    void theSameArraySeenTwoWaysIsPackedTwice() {
        int rows = 96, cols = 80, m = 64;
        Tensor w = Tensor.uniform(81, 1f, rows, cols);
        ConstantPanels panels = new ConstantPanels();
        Tensor x = Tensor.uniform(82, 1f, m, cols), dy = Tensor.uniform(83, 1f, m, rows);
        Tensor y = Tensor.zeros(m, rows), dx = Tensor.zeros(m, cols);
        Tensor yRef = Tensor.zeros(m, rows), dxRef = Tensor.zeros(m, cols);
        Gemm.gemm(TWO, Transpose.N, Transpose.T, 1f, x, w, 0f, y, panels);
        Gemm.gemm(TWO, Transpose.N, Transpose.N, 1f, dy, w, 0f, dx, panels);
        Gemm.gemm(TWO, Transpose.N, Transpose.T, 1f, x, w, 0f, yRef);
        Gemm.gemm(TWO, Transpose.N, Transpose.N, 1f, dy, w, 0f, dxRef);
        assertArrayEquals(yRef.toArray(), y.toArray(), "x·Wᵀ");
        assertArrayEquals(dxRef.toArray(), dx.toArray(), "dy·W");
        assertEquals(2, panels.count(), "Wᵀ and W are different operands");
    }
}
