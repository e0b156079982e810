package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;
import org.peft4j.nn.Parameter;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.AdapterChecks;

/** Int8 and NF4 quantization of a weight: error within the format's bound, and the quantized Linear ≡ a dense one on Ŵ. */
class QuantizedWeightTest {
    private static final JvmBackend ops = new JvmBackend(2);

    @AfterAll
    static void close() { ops.close(); }

    static Stream<Arguments> shapes() {
        int[][] s = {{1, 1}, {3, 7}, {7, 33}, {33, 65}, {65, 3}, {5, 517}, {130, 64}};
        return Stream.of(QuantizationFormat.values()).flatMap(f -> Stream.of(s).map(d -> Arguments.of(f, d[0], d[1])));
    }

    /** Normal weights with a few large outliers, as trained weights have. */
    private static Tensor weights(long seed, int out, int in) {
        Tensor w = Tensor.normal(seed, 0.05f, out, in);
        for (int i = 0; i < w.size(); i += 97) w.put(i, w.at(i) * 20f);
        return w;
    }

    @ParameterizedTest(name = "{0} {1}×{2}")
    @MethodSource("shapes")
    void dequantizedWeightsLieWithinHalfAStepOfTheirBlockScale(QuantizationFormat format, int out, int in) {
        Tensor w = weights(out * 7L + in, out, in);
        QuantizedWeight q = QuantizedWeight.quantize("w", w, format);
        Tensor deq = q.dense();
        int block = format.blockSize(in);
        for (int e = 0; e < w.size(); e++) {
            double absmax = 0;
            int b0 = e / block * block;
            for (int i = b0; i < Math.min(w.size(), b0 + block); i++) absmax = Math.max(absmax, Math.abs(w.at(i)));
            assertEquals(absmax, q.absmax().at(e / block), 0.0, "absmax of block " + e / block);
            double bound = format.halfStep() * absmax * (1 + 1e-5);
            assertTrue(Math.abs(w.at(e) - deq.at(e)) <= bound, () -> "|W − Ŵ| beyond " + bound);
            if (format == QuantizationFormat.NF4) {
                double v = w.at(e) / absmax, chosen = Math.abs(v - deq.at(e) / absmax);
                for (float level : QuantizationFormat.Levels.NF4) assertTrue(chosen <= Math.abs(v - level) + 1e-6, "the nearest NF4 level");
            }
        }
        long expected = (long) Math.ceil(w.size() * format.bits() / 32.0) * 4 + 4L * ((w.size() + block - 1) / block);
        assertEquals(expected, q.storageBytes(), "packed codes plus fp32 scales");
    }

    @Test
    void int8KeepsOneBytePerWeightAndNf4HalfAByte() {
        Tensor w = weights(3, 384, 1536);
        assertEquals(384L * 1536 + 4 * 384, QuantizedWeight.quantize("w", w, QuantizationFormat.INT8).storageBytes());
        assertEquals(384L * 1536 / 2 + 4L * 384 * 1536 / 64, QuantizedWeight.quantize("w", w, QuantizationFormat.NF4).storageBytes());
    }

    @Test
    void zeroBlocksAndExactLevelsRoundTripExactly() {
        Tensor w = Tensor.zeros(2, 64);
        for (int j = 0; j < 16; j++) w.put(64 + j, 3f * QuantizationFormat.Levels.NF4[j]);
        assertArrayEquals(w.toArray(), QuantizedWeight.quantize("w", w, QuantizationFormat.NF4).dense().toArray(), 1e-6f);
        for (int j = 0; j < 64; j++) w.put(64 + j, 2f * ((j % 255) - 127) / 127f);
        assertArrayEquals(w.toArray(), QuantizedWeight.quantize("w", w, QuantizationFormat.INT8).dense().toArray(), 1e-6f);
    }

    @ParameterizedTest(name = "{0} {1}×{2}")
    @MethodSource("shapes")
    void quantizedLinearComputesWhatADenseLinearOnTheDequantizedWeightDoes(QuantizationFormat format, int out, int in) {
        Linear dense = Linear.create("layer", in, out, true, out + in);
        QuantizedWeight q = QuantizedWeight.quantize("layer.weight", ((DenseWeight) dense.weight()).dense(), format);
        Linear reference = new Linear("reference", new DenseWeight(Parameter.frozen("reference.weight", q.dense())), dense.bias());
        dense.setWeight(q);
        for (int rows : new int[] {1, 5, 40}) {
            Tensor x = Tensor.uniform(rows, 1f, rows, in), dy = Tensor.uniform(rows + 1L, 1f, rows, out);
            assertArrayEquals(reference.forward(ops, x).toArray(), dense.forward(ops, x).toArray(), 1e-5f * (1 + in), "y");
            assertArrayEquals(reference.backward(ops, dy).toArray(), dense.backward(ops, dy).toArray(), 1e-5f * (1 + out), "dx");
            Tensor dx = Tensor.uniform(9, 1f, rows, in), dxRef = dx.copy();
            reference.forward(ops, x);
            reference.backward(ops, dy, dxRef, true);
            dense.forward(ops, x);
            dense.backward(ops, dy, dx, true);
            assertArrayEquals(dxRef.toArray(), dx.toArray(), 1e-5f * (1 + out), "dx accumulated");
        }
        assertTrue(q.parameters().isEmpty(), "a quantized base has no trainable weight");
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        for (QuantizationFormat format : QuantizationFormat.values()) {
            Linear layer = Linear.create("layer", 33, 7, true, 5);
            layer.setWeight(QuantizedWeight.quantize("layer.weight", ((DenseWeight) layer.weight()).dense(), format));
            AdapterChecks.layerGradientCheck(ops, layer, 6, 11);
        }
    }

    @Test
    void badInputIsNamed() {
        var format = assertThrows(IllegalArgumentException.class, () -> QuantizationFormat.parse("int4"));
        assertTrue(format.getMessage().contains("'int4'") && format.getMessage().contains("int8, nf4"), format.getMessage());
        Tensor w = Tensor.uniform(1, 1f, 2, 3);
        w.put(4, Float.NaN);
        var nan = assertThrows(IllegalArgumentException.class, () -> QuantizedWeight.quantize("w", w, QuantizationFormat.NF4));
        assertTrue(nan.getMessage().contains("NaN at [1, 1]"), nan.getMessage());
        var vector = assertThrows(IllegalArgumentException.class, () -> QuantizedWeight.quantize("b", Tensor.zeros(4), QuantizationFormat.INT8));
        assertTrue(vector.getMessage().contains("b: only a matrix"), vector.getMessage());
    }
}
