package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/** Integer tensors written as U8, I8, U16, I16 and I32 read back to the same values; values that do not fit are refused. */
class SafetensorsIntegersTest {
    @TempDir Path dir;

    @Test
    void everyIntegerDTypeRoundTripsItsRange() throws Exception {
        Random rnd = new Random(3);
        Map<DType, int[]> ranges = Map.of(DType.U8, new int[] {0, 255}, DType.I8, new int[] {-128, 127}, DType.U16, new int[] {0, 65535},
                DType.I16, new int[] {-32768, 32767}, DType.I32, new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE});
        for (var e : ranges.entrySet()) {
            int[] values = new int[3 * 7];
            values[0] = e.getValue()[0];
            values[1] = e.getValue()[1];
            for (int i = 2; i < values.length; i++) values[i] = (int) (e.getValue()[0] + (long) (rnd.nextDouble() * ((long) e.getValue()[1] - e.getValue()[0])));
            Path file = dir.resolve(e.getKey() + ".safetensors");
            Tensor f = Tensor.uniform(1, 1f, 5);
            Safetensors.write(file, Map.of("f", f), Map.of("q", new Safetensors.IntegerTensor(new IntTensor(values, new int[] {3, 7}), e.getKey())),
                    Map.of("k", "v"), name -> DType.F32);
            SafetensorsFile back = Safetensors.read(file);
            assertArrayEquals(values, back.intTensors().get("q").data(), e.getKey().toString());
            assertArrayEquals(new int[] {3, 7}, back.intTensors().get("q").shape());
            assertEquals(e.getKey(), Safetensors.readHeader(file).tensors().get("q").dtype());
            assertArrayEquals(f.toArray(), back.tensor("f").toArray(), 0f);
        }
    }

    @Test
    void valuesOutsideTheDTypeAndNonIntegerDTypesAreRefused() {
        var tooBig = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("a"), Map.of(),
                Map.of("q", new Safetensors.IntegerTensor(new IntTensor(new int[] {1, 256}, new int[] {2}), DType.U8)), Map.of(), n -> DType.F32));
        assertTrue(tooBig.getMessage().contains("value 256 at index 1 does not fit U8"), tooBig.getMessage());
        var dtype = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("b"), Map.of(),
                Map.of("q", new Safetensors.IntegerTensor(new IntTensor(new int[] {1}, new int[] {1}), DType.F16)), Map.of(), n -> DType.F32));
        assertTrue(dtype.getMessage().contains("not F16"), dtype.getMessage());
        var both = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("c"), Map.of("q", Tensor.zeros(1)),
                Map.of("q", new Safetensors.IntegerTensor(new IntTensor(new int[] {1}, new int[] {1}), DType.I8)), Map.of(), n -> DType.F32));
        assertTrue(both.getMessage().contains("both as float and as integer"), both.getMessage());
    }
}
