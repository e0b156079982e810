package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.tensor.HalfFloats;
import org.peft4j.tensor.Tensor;

/** Write then read: F32 is bit-exact, F16/BF16 equal HalfFloats' round-to-nearest-even. */
class SafetensorsRoundTripTest {
    /** Odd shapes, a scalar and an empty tensor; values span normal, tiny and huge magnitudes. */
    private static Map<String, Tensor> sample() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int[][] shapes = {{1}, {3, 7}, {33, 65}, {2, 3, 5}, {}, {0, 4}, {517}};
        for (int i = 0; i < shapes.length; i++) {
            Tensor t = Tensor.normal(100 + i, 2.5f, shapes[i]);
            for (int k = 0; k < t.size(); k += 5) t.put(k, t.at(k) * (k % 2 == 0 ? 1e-6f : 3e4f));
            tensors.put("layer" + i + ".weight", t);
        }
        return tensors;
    }

    private static void assertStoredAs(Map<String, Tensor> written, SafetensorsFile read, UnaryOperator<Float> storage) {
        assertEquals(written.keySet(), read.tensors().keySet());
        written.forEach((name, w) -> assertStoredAs(name, w, read, storage));
    }

    private static void assertStoredAs(String name, Tensor written, SafetensorsFile read, UnaryOperator<Float> storage) {
        Tensor r = read.tensor(name);
        assertArrayEquals(written.shape(), r.shape(), name);
        assertEquals(name, r.name());
        for (int i = 0; i < written.size(); i++) {
            int expected = Float.floatToRawIntBits(storage.apply(written.at(i)));
            assertEquals(expected, Float.floatToRawIntBits(r.at(i)), name + " element " + i);
        }
    }

    @Test
    void f32IsBitExact() throws Exception {
        var tensors = sample();
        assertStoredAs(tensors, Safetensors.read(Safetensors.toBytes(tensors, Map.of(), DType.F32)), x -> x);
    }

    @Test
    void f16RoundsToNearestEven() throws Exception {
        var tensors = sample();
        tensors.put("edge", Tensor.of(new float[] {65504f, 65520f, 1e-8f, -0f, Float.NaN, 1 + 0x1p-11f}, 6));
        assertStoredAs(tensors, Safetensors.read(Safetensors.toBytes(tensors, Map.of(), DType.F16)),
                x -> HalfFloats.fromF16(HalfFloats.toF16(x)));
        float[] edge = Safetensors.read(Safetensors.toBytes(tensors, Map.of(), DType.F16)).tensor("edge").toArray();
        assertEquals(Float.POSITIVE_INFINITY, edge[1]); // 65520 is the tie above the largest F16, rounds up
        assertEquals(1f, edge[5]);                      // 1 + 2^-11 is a tie, rounds to the even 1.0
    }

    @Test
    void bf16RoundsToNearestEven() throws Exception {
        var tensors = sample();
        tensors.put("edge", Tensor.of(new float[] {1 + 0x1p-8f, 1 + 0x3p-8f, Float.MAX_VALUE, Float.NaN}, 4));
        assertStoredAs(tensors, Safetensors.read(Safetensors.toBytes(tensors, Map.of(), DType.BF16)),
                x -> HalfFloats.fromBF16(HalfFloats.toBF16(x)));
        float[] edge = Safetensors.read(Safetensors.toBytes(tensors, Map.of(), DType.BF16)).tensor("edge").toArray();
        assertEquals(1f, edge[0]);              // tie, rounds down to even
        assertEquals(1 + 0x1p-6f, edge[1]);     // tie, rounds up to even
    }

    @Test
    void perTensorDtypes(@TempDir Path dir) throws Exception {
        var tensors = sample();
        var dtypes = List.of(DType.F32, DType.F16, DType.BF16);
        var names = new ArrayList<>(tensors.keySet());
        Path file = dir.resolve("mixed.safetensors");
        Safetensors.write(file, tensors, Map.of(), name -> dtypes.get(names.indexOf(name) % 3));
        var header = Safetensors.readHeader(file);
        var read = Safetensors.read(file);
        for (int i = 0; i < names.size(); i++) {
            DType d = dtypes.get(i % 3);
            assertEquals(d, header.tensors().get(names.get(i)).dtype());
            UnaryOperator<Float> storage = switch (d) {
                case F16 -> x -> HalfFloats.fromF16(HalfFloats.toF16(x));
                case BF16 -> x -> HalfFloats.fromBF16(HalfFloats.toBF16(x));
                default -> x -> x;
            };
            assertStoredAs(names.get(i), tensors.get(names.get(i)), read, storage);
        }
    }

    @Test
    void metadataRoundTripsInInsertionOrder() throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("zeta", "");
        metadata.put("alpha", "quotes \" backslash \\ newline \n tab \t unicode é 漢字 😀");
        metadata.put("config", "{\"r\": 8, \"lora_alpha\": 16}");
        var read = Safetensors.read(Safetensors.toBytes(Map.of("w", Tensor.uniform(1, 1, 3)), metadata, DType.F32));
        assertEquals(List.copyOf(metadata.entrySet()), List.copyOf(read.metadata().entrySet()));
    }

    @Test
    void viewsAreWrittenFromTheirOffset() throws Exception {
        Tensor base = Tensor.uniform(7, 1, 9, 5);
        Tensor rows = base.rows(2, 6);
        var read = Safetensors.read(Safetensors.toBytes(Map.of("rows", rows), Map.of(), DType.F32));
        assertArrayEquals(rows.toArray(), read.tensor("rows").toArray());
    }

    @Test
    void pathRoundTripAndNameFilter(@TempDir Path dir) throws Exception {
        var tensors = sample();
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt"), DType.F32);
        assertStoredAs(tensors, Safetensors.read(file), x -> x);
        var some = Safetensors.read(file, name -> name.startsWith("layer3"));
        assertEquals(List.of("layer3.weight"), List.copyOf(some.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), some.metadata());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    @Test
    void rejectsWhatCannotBeWritten() {
        var w = Map.of("w", Tensor.uniform(1, 1, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> Safetensors.toBytes(w, Map.of(), DType.I32));
        assertEquals("tensor \"w\": cannot write float32 values as I32; choose F32, F16 or BF16", e.getMessage());
        var reserved = Map.of("__metadata__", Tensor.uniform(1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.toBytes(reserved, Map.of(), DType.F32));
    }

    @Test
    void missingTensorNamesWhatIsThere() throws Exception {
        var read = Safetensors.read(Safetensors.toBytes(Map.of("a", Tensor.uniform(1, 1, 2)), Map.of(), DType.F32));
        var e = assertThrows(java.util.NoSuchElementException.class, () -> read.tensor("b"));
        assertEquals("no float tensor \"b\" among 1: a", e.getMessage());
    }
}
