package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.io.SafetensorsFormatException;
import org.peft4j.nn.SequenceClassifier;
import org.peft4j.nn.StateDict;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.TinyModels;

/** A quantized base written as safetensors reads back to the same codes and scales, in bitsandbytes' layout. */
class QuantizedBaseFileTest {
    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void roundTripsCodesScalesAndDenseTensors(QuantizationFormat format) throws Exception {
        SequenceClassifier model = TinyModels.bertClassifier(0f, 7);
        model.encoder().parameters().forEach(p -> p.setTrainable(false));
        QuantizedBase.quantize(model.encoder().linears(), format);
        Map<String, QuantizedWeight> quantized = new LinkedHashMap<>();
        model.encoder().linears().values().forEach(l -> quantized.put(((QuantizedWeight) l.weight()).name(), (QuantizedWeight) l.weight()));
        Map<String, Tensor> dense = StateDict.of(model.encoder().parameters());
        Path file = dir.resolve("base.safetensors");
        QuantizedBaseFile.write(file, dense, quantized);

        QuantizedBaseFile.Contents back = QuantizedBaseFile.read(file);
        assertEquals(dense.keySet(), back.dense().keySet(), "the fp32 tensors, scales excluded");
        dense.forEach((name, t) -> assertArrayEquals(t.toArray(), back.dense().get(name).toArray(), 0f, name));
        assertEquals(quantized.keySet(), back.quantized().keySet());
        quantized.forEach((name, q) -> {
            QuantizedWeight r = back.quantized().get(name);
            assertArrayEquals(q.codes().data(), r.codes().data(), name + " codes");
            assertArrayEquals(q.absmax().toArray(), r.absmax().toArray(), 0f, name + " absmax");
            assertEquals(q.outFeatures(), r.outFeatures());
            assertEquals(q.inFeatures(), r.inFeatures());
        });

        SafetensorsFile raw = Safetensors.read(file);
        assertEquals(format.name().toLowerCase(), raw.metadata().get("quantization"));
        QuantizedWeight q = quantized.values().iterator().next();
        float[] deq = q.dense().toArray();
        int[] stored = raw.intTensors().get(q.name()).data();
        if (format == QuantizationFormat.INT8) {
            assertArrayEquals(new int[] {q.outFeatures(), q.inFeatures()}, raw.intTensors().get(q.name()).shape());
            Tensor scb = raw.tensor(q.name().replace(".weight", ".SCB"));
            for (int e = 0; e < deq.length; e++) assertEquals(deq[e], stored[e] * scb.at(e / q.inFeatures()) / 127f, 1e-6f, "q·SCB/127");
        } else {
            Tensor absmax = raw.tensor(q.name() + ".absmax"), map = raw.tensor(q.name() + ".quant_map");
            for (int e = 0; e < deq.length; e++) {
                int code = e % 2 == 0 ? stored[e / 2] >>> 4 : stored[e / 2] & 0xF;
                assertEquals(deq[e], map.at(code) * absmax.at(e / 64), 0f, "first code in the high nibble");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(QuantizationFormat.class)
    void aFileWithoutItsScalesIsRejected(QuantizationFormat format) throws Exception {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.uniform(1, 1f, 2, 2)), Map.of(), DType.F32);
        var e = assertThrows(SafetensorsFormatException.class, () -> QuantizedBaseFile.read(file));
        assertTrue(e.getMessage().contains("not a quantized base"), e.getMessage());
        QuantizedWeight q = QuantizedWeight.quantize("m.weight", Tensor.uniform(2, 1f, 4, 64), format);
        Path full = dir.resolve("q.safetensors");
        QuantizedBaseFile.write(full, Map.of(), Map.of("m.weight", q));
        SafetensorsFile f = Safetensors.read(full);
        Map<String, Tensor> withoutScales = new LinkedHashMap<>(f.tensors());
        withoutScales.keySet().removeIf(k -> k.endsWith("SCB") || k.endsWith("absmax"));
        Map<String, Safetensors.IntegerTensor> ints = Map.of("m.weight",
                new Safetensors.IntegerTensor(f.intTensors().get("m.weight"), format == QuantizationFormat.INT8 ? DType.I8 : DType.U8));
        Safetensors.write(full, withoutScales, ints, f.metadata(), name -> DType.F32);
        var missing = assertThrows(SafetensorsFormatException.class, () -> QuantizedBaseFile.read(full));
        assertTrue(missing.getMessage().contains("scales") && missing.getMessage().contains("m.weight"), missing.getMessage());
    }
}
