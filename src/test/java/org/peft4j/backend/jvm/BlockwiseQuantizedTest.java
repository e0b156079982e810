package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

class BlockwiseQuantizedTest {

    /** Random codes, levels and scales for a {@code rows × cols} matrix. */
    private record Quantized(int rows, int cols, int bits, int blockSize, IntTensor codes, Tensor levels, Tensor absmax) {
        static Quantized random(long seed, int rows, int cols, int bits, int blockSize) {
            Random rnd = new Random(seed);
            int elements = rows * cols;
            int[] words = new int[(int) (((long) elements * bits + 31) / 32)];
            for (int i = 0; i < words.length; i++) words[i] = rnd.nextInt();
            int blocks = (elements + blockSize - 1) / blockSize;
            return new Quantized(rows, cols, bits, blockSize, new IntTensor(words, new int[] {words.length}),
                    Tensor.uniform(seed + 1, 1f, 1 << bits), Tensor.uniform(seed + 2, 2f, blocks));
        }

        /** W[i, j] read bit by bit: the reference decoding (one float32 product, as the kernel). */
        float at(int i, int j) {
            int e = i * cols + j;
            int code = 0;
            for (int b = 0; b < bits; b++) {
                long bit = (long) e * bits + b;
                int word = codes.data()[(int) (bit / 32)];
                code |= ((word >>> (bit % 32)) & 1) << b;
            }
            return levels.at(code) * absmax.at(e / blockSize);
        }
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of(1, 1, 8, 1), Arguments.of(3, 7, 4, 64), Arguments.of(7, 33, 8, 33), Arguments.of(65, 3, 4, 7),
                Arguments.of(33, 65, 2, 5), Arguments.of(130, 17, 4, 64), Arguments.of(5, 517, 8, 517), Arguments.of(257, 300, 4, 64));
    }

    @ParameterizedTest(name = "{0}×{1}, {2} bits, blocks of {3}")
    @MethodSource("layouts")
    void dequantizedRowsMatchBitByBitDecoding(int rows, int cols, int bits, int blockSize) {
        Quantized w = Quantized.random(rows * 31L + cols, rows, cols, bits, blockSize);
        int from = rows / 3, count = rows - from;
        for (int threads : new int[] {1, 2}) {
            Tensor out = Tensor.uniform(5, 1f, count, cols);
            TestBackends.threads(threads).dequantizeRows(w.codes(), bits, w.levels(), w.absmax(), blockSize, from, out);
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < cols; j++) assertEquals(w.at(from + i, j), out.at(i * cols + j), 0.0, "W[" + (from + i) + ", " + j + "]");
            }
        }
    }

    @ParameterizedTest(name = "{0}×{1}, {2} bits, blocks of {3}")
    @MethodSource("layouts")
    void productsMatchTheDequantizedMatrixBothWays(int rows, int cols, int bits, int blockSize) {
        Quantized w = Quantized.random(rows * 17L + cols, rows, cols, bits, blockSize);
        for (int m : new int[] {1, 9, 40}) {
            for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 1.5f}}) {
                Tensor xt = Tensor.uniform(m + 3L, 1f, m, cols), xn = Tensor.uniform(m + 4L, 1f, m, rows);
                Tensor yt0 = Tensor.uniform(m + 5L, 1f, m, rows), yn0 = Tensor.uniform(m + 6L, 1f, m, cols);
                float[] previous = null;
                for (int threads : new int[] {1, 2}) {
                    Tensor yt = yt0.copy(), yn = yn0.copy();
                    JvmBackend ops = TestBackends.threads(threads);
                    ops.quantizedGemm(Transpose.T, ab[0], xt, w.codes(), bits, w.levels(), w.absmax(), blockSize, ab[1], yt);
                    ops.quantizedGemm(Transpose.N, ab[0], xn, w.codes(), bits, w.levels(), w.absmax(), blockSize, ab[1], yn);
                    for (int r = 0; r < m; r++) {
                        for (int j = 0; j < rows; j++) {
                            double ref = ab[1] * yt0.at(r * rows + j);
                            for (int p = 0; p < cols; p++) ref += ab[0] * xt.at(r * cols + p) * w.at(j, p);
                            assertEquals(ref, yt.at(r * rows + j), 1e-4 * (1 + cols), "x·Wᵀ[" + r + ", " + j + "]");
                        }
                        for (int j = 0; j < cols; j++) {
                            double ref = ab[1] * yn0.at(r * cols + j);
                            for (int p = 0; p < rows; p++) ref += ab[0] * xn.at(r * rows + p) * w.at(p, j);
                            assertEquals(ref, yn.at(r * cols + j), 1e-4 * (1 + rows), "x·W[" + r + ", " + j + "]");
                        }
                    }
                    float[] both = concat(yt.toArray(), yn.toArray());
                    if (previous != null) assertArrayEquals(previous, both, "one and two threads must agree bit for bit");
                    previous = both;
                }
            }
        }
    }

    @Test
    void badLayoutsAreNamed() {
        Quantized w = Quantized.random(1, 4, 8, 4, 8);
        JvmBackend ops = TestBackends.threads(1);
        Tensor out = Tensor.zeros(4, 8);
        var bits = assertThrows(IllegalArgumentException.class,
                () -> ops.dequantizeRows(w.codes(), 3, w.levels(), w.absmax(), 8, 0, out));
        assertTrue(bits.getMessage().contains("divide 32"), bits.getMessage());
        var levels = assertThrows(IllegalArgumentException.class,
                () -> ops.dequantizeRows(w.codes(), 8, w.levels(), w.absmax(), 8, 0, out));
        assertTrue(levels.getMessage().contains("need 256 levels, got 16"), levels.getMessage());
        var words = assertThrows(IllegalArgumentException.class,
                () -> ops.dequantizeRows(w.codes(), 4, w.levels(), w.absmax(), 8, 1, out));
        assertTrue(words.getMessage().contains("needs 5 int32 words, got 4"), words.getMessage());
        var scales = assertThrows(IllegalArgumentException.class,
                () -> ops.quantizedGemm(Transpose.T, 1f, Tensor.zeros(2, 8), w.codes(), 4, w.levels(), w.absmax(), 4, 0f, Tensor.zeros(2, 4)));
        assertTrue(scales.getMessage().contains("needs 8 absmax scales, got 4"), scales.getMessage());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
