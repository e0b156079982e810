package org.peft4j.codebook;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.io.SafetensorsFile;
import org.peft4j.io.SafetensorsFormatException;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A quantized base as one safetensors file, with bitsandbytes' tensor names: the fp32 tensors of
 * the base (embeddings, LayerNorms, biases) as F32, and each quantized weight {@code <m>.weight} as
 * <pre>
 *   int8  <m>.weight  I8 [out, in]     codes q          Ŵ = q·SCB/127
 *         <m>.SCB     F32 [out]        row absmax
 *   nf4   <m>.weight  U8 [out·in/2]    two codes a byte, the first in the high nibble
 *         <m>.weight.absmax     F32 [out·in/64]
 *         <m>.weight.quant_map  F32 [16]   the NF4 levels
 * </pre>
 * Metadata: {@code quantization} (int8 | nf4), {@code block_size}, and {@code <m>.weight.shape} = "out,in".
 */
public final class QuantizedBaseFile {
    private QuantizedBaseFile() {}

    /** What a file holds: fp32 tensors and quantized weights, by name. */
    public record Contents(Map<String, Tensor> dense, Map<String, QuantizedWeight> quantized) {}

    /** Writes {@code dense} tensors and {@code quantized} weights (one format) to {@code file}, atomically. */
    public static void write(Path file, Map<String, Tensor> dense, Map<String, QuantizedWeight> quantized) throws IOException {
        if (quantized.isEmpty()) throw new IllegalArgumentException("no quantized weight to write");
        QuantizationFormat format = quantized.values().iterator().next().format();
        Map<String, Tensor> floats = new LinkedHashMap<>(dense);
        Map<String, Safetensors.IntegerTensor> ints = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("quantization", lowerName(format));
        metadata.put("block_size", format == QuantizationFormat.INT8 ? "row" : Integer.toString(format.blockSize(0)));
        quantized.forEach((name, q) -> {
            if (q.format() != format) throw new IllegalArgumentException(name + " is " + q.format() + ", the file holds " + format);
            metadata.put(name + ".shape", q.outFeatures() + "," + q.inFeatures());
            int[] bytes = bytes(q);
            if (format == QuantizationFormat.INT8) {
                for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) bytes[i];
                ints.put(name, new Safetensors.IntegerTensor(new IntTensor(bytes, new int[] {q.outFeatures(), q.inFeatures()}), DType.I8));
                floats.put(module(name) + ".SCB", q.absmax());
            } else {
                for (int i = 0; i < bytes.length; i++) bytes[i] = swapNibbles(bytes[i]);
                ints.put(name, new Safetensors.IntegerTensor(new IntTensor(bytes, new int[] {bytes.length}), DType.U8));
                floats.put(name + ".absmax", q.absmax());
                floats.put(name + ".quant_map", format.levels());
            }
        });
        Safetensors.write(file, floats, ints, metadata, name -> DType.F32);
    }

    /** Reads a file written by {@link #write}. */
    public static Contents read(Path file) throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        String formatName = f.metadata().get("quantization");
        if (formatName == null) throw new SafetensorsFormatException(file + ": no \"quantization\" metadata; not a quantized base");
        QuantizationFormat format = QuantizationFormat.parse(formatName);
        Map<String, Tensor> dense = new LinkedHashMap<>(f.tensors());
        Map<String, QuantizedWeight> quantized = new LinkedHashMap<>();
        for (Map.Entry<String, IntTensor> e : f.intTensors().entrySet()) {
            String name = e.getKey(), shape = f.metadata().get(name + ".shape");
            if (shape == null) throw new SafetensorsFormatException(file + ": no \"" + name + ".shape\" metadata for the quantized weight " + name);
            String[] dims = shape.split(",");
            int out = Integer.parseInt(dims[0].trim()), in = Integer.parseInt(dims[1].trim());
            int[] bytes = e.getValue().data().clone();
            for (int i = 0; i < bytes.length; i++) bytes[i] = format == QuantizationFormat.INT8 ? bytes[i] & 0xFF : swapNibbles(bytes[i]);
            String scales = format == QuantizationFormat.INT8 ? module(name) + ".SCB" : name + ".absmax";
            Tensor absmax = dense.remove(scales);
            if (absmax == null) throw new SafetensorsFormatException(file + ": the scales " + scales + " of " + name + " are missing");
            dense.remove(name + ".quant_map");
            quantized.put(name, QuantizedWeight.of(name, format, out, in, words(bytes), absmax));
        }
        return new Contents(dense, quantized);
    }

    /** The packed codes as a byte stream (0–255), little-endian within each int32 word. */
    private static int[] bytes(QuantizedWeight q) {
        int count = (int) (((long) q.outFeatures() * q.inFeatures() * q.format().bits() + 7) / 8);
        int[] words = q.codes().data(), out = new int[count];
        for (int i = 0; i < count; i++) out[i] = (words[i / 4] >>> (8 * (i % 4))) & 0xFF;
        return out;
    }

    private static IntTensor words(int[] bytes) {
        int[] words = new int[(bytes.length + 3) / 4];
        for (int i = 0; i < bytes.length; i++) words[i / 4] |= bytes[i] << (8 * (i % 4));
        return new IntTensor(words, new int[] {words.length});
    }

    private static int swapNibbles(int b) {
        return (b & 0x0F) << 4 | (b & 0xF0) >>> 4;
    }

    private static String module(String weightName) {
        return weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - ".weight".length()) : weightName;
    }

    static String lowerName(QuantizationFormat format) {
        return format.name().toLowerCase(java.util.Locale.ROOT);
    }
}
