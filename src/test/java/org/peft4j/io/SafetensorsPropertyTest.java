package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.peft4j.tensor.HalfFloats;
import org.peft4j.tensor.Tensor;

/** Random tensor sets with arbitrary float bit patterns (NaN payloads included) survive a round trip. */
class SafetensorsPropertyTest {
    @Provide
    Arbitrary<Tensor> tensors() {
        return Arbitraries.integers().between(0, 6).list().ofMaxSize(3).flatMap(dims -> {
            int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
            int size = dims.stream().reduce(1, (a, b) -> a * b);
            return Arbitraries.integers().array(int[].class).ofSize(size).map(bits -> {
                float[] values = new float[size];
                for (int i = 0; i < size; i++) values[i] = Float.intBitsToFloat(bits[i]);
                return Tensor.of(values, shape);
            });
        });
    }

    @Provide
    Arbitrary<Map<String, Tensor>> tensorMaps() {
        var names = Arbitraries.strings().withChars("abz._09é").ofMinLength(1).ofMaxLength(6)
                .filter(n -> !n.equals(SafetensorsHeader.METADATA_KEY));
        return Arbitraries.maps(names, tensors()).ofMaxSize(5).map(LinkedHashMap::new);
    }

    @Property(tries = 200)
    void f32RoundTripIsBitExact(@ForAll("tensorMaps") Map<String, Tensor> tensors) throws Exception {
        var read = Safetensors.read(Safetensors.toBytes(tensors, Map.of("k", "v"), DType.F32));
        assertEquals(tensors.keySet(), read.tensors().keySet());
        tensors.forEach((name, t) -> {
            assertArrayEquals(t.shape(), read.tensor(name).shape());
            assertArrayEquals(rawBits(t), rawBits(read.tensor(name)), name);
        });
        assertEquals(Map.of("k", "v"), read.metadata());
    }

    @Property(tries = 100)
    void halfPrecisionStoresTheRoundedValue(@ForAll("tensors") Tensor t, @ForAll @IntRange(min = 0, max = 1) int bf16) throws Exception {
        DType dtype = bf16 == 1 ? DType.BF16 : DType.F16;
        Tensor read = Safetensors.read(Safetensors.toBytes(Map.of("t", t), Map.of(), dtype)).tensor("t");
        for (int i = 0; i < t.size(); i++) {
            float expected = dtype == DType.BF16 ? HalfFloats.fromBF16(HalfFloats.toBF16(t.at(i)))
                    : HalfFloats.fromF16(HalfFloats.toF16(t.at(i)));
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(read.at(i)));
        }
    }

    private static int[] rawBits(Tensor t) {
        int[] bits = new int[t.size()];
        for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToRawIntBits(t.at(i));
        return bits;
    }
}
