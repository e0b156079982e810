package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GemmPacking#panels} against the definition {@code dst[q·depth·width + p·width + r] =
 * src(q·width + r, p)}, zero-padded, for both source layouts: rows contiguous (an A read by rows, the
 * Wᵀ of a forward product: eight rows at a time go through the vector transpose, sixteen depths at a
 * time) and columns contiguous (the scalar gather and the run copies).
 */
class GemmPackingTest {

    /** (count, depth, width): full and partial panels, depths below 16, with a remainder, past one gather block (64). */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(8, 16, 8), Arguments.of(16, 384, 8), Arguments.of(21, 37, 8), Arguments.of(3, 40, 8),
                Arguments.of(8, 15, 8), Arguments.of(32, 512, 32), Arguments.of(70, 150, 32), Arguments.of(40, 17, 32),
                Arguments.of(5, 33, 32), Arguments.of(9, 20, 1));
    }

    @ParameterizedTest(name = "{0} × {1} into panels of {2}, rows contiguous")
    @MethodSource("shapes")
    void rowsContiguousSourceMatchesTheDefinition(int count, int depth, int width) {
        int rowStride = depth + 5, offset = 3;
        float[] data = random(offset + count * rowStride, count * 31L + depth);
        check(new GemmOperand(data, offset, rowStride, 1), count, depth, width);
    }

    @ParameterizedTest(name = "{0} × {1} into panels of {2}, columns contiguous")
    @MethodSource("shapes")
    void columnsContiguousSourceMatchesTheDefinition(int count, int depth, int width) {
        int colStride = count + 3, offset = 7;
        float[] data = random(offset + depth * colStride, count * 17L + depth);
        check(new GemmOperand(data, offset, 1, colStride), count, depth, width);
    }

    private static void check(GemmOperand src, int count, int depth, int width) {
        int panels = (count + width - 1) / width;
        float[] expected = new float[panels * depth * width];
        for (int q = 0; q < panels; q++) {
            for (int p = 0; p < depth; p++) {
                for (int r = 0; r < width; r++) {
                    int row = q * width + r;
                    expected[q * depth * width + p * width + r] =
                            row < count ? src.data()[src.offset() + row * src.rowStride() + p * src.colStride()] : 0f;
                }
            }
        }
        float[] packed = random(expected.length + 4, 99); // stale values where padding must be written
        GemmPacking.panels(src, count, depth, width, packed);
        float[] written = new float[expected.length];
        System.arraycopy(packed, 0, written, 0, written.length);
        assertArrayEquals(expected, written);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextDouble(-1, 1);
        return x;
    }
}
