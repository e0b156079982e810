package org.peft4j.codebook;

import java.util.List;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.Parameter;
import org.peft4j.nn.WeightParameterization;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * A frozen base weight W [out, in] held quantized ({@link QuantizationFormat}): codes packed
 * {@code 32/bits} to an int32 word (int8: one byte per weight; NF4: two codes per byte, low
 * nibble first) plus one fp32 absmax per block. Products dequantize inside the kernel, block by
 * block ({@link Ops#quantizedGemm}):
 * <pre>
 *   y  = x·Ŵᵀ        dx = dy·Ŵ        (no weight gradient: the base is frozen)
 * </pre>
 * Memory held: {@link #storageBytes()} (int8: out·in + 4·out bytes; NF4: out·in/2 + 4·out·in/64), the
 * format's shared codebook, and on the JVM backend one transient buffer of 64·in floats per worker
 * thread shared by all layers (96 KiB for in = 384, 384 KiB for in = 1536).
 */
public final class QuantizedWeight implements WeightParameterization {
    private final String name;
    private final QuantizationFormat format;
    private final int out;
    private final int in;
    private final IntTensor codes;
    private final Tensor absmax;

    private QuantizedWeight(String name, QuantizationFormat format, int out, int in, IntTensor codes, Tensor absmax) {
        this.name = name;
        this.format = format;
        this.out = out;
        this.in = in;
        this.codes = codes;
        this.absmax = absmax;
    }

    /** Quantizes {@code w [out, in]} (finite values) to {@code format}. */
    public static QuantizedWeight quantize(String name, Tensor w, QuantizationFormat format) {
        if (w.rank() != 2) throw new IllegalArgumentException(name + ": only a matrix [out, in] can be quantized, got " + w);
        int out = w.dim(0), in = w.dim(1), n = out * in, block = format.blockSize(in), bits = format.bits(), perWord = 32 / bits;
        int[] words = new int[(int) (((long) n * bits + 31) / 32)];
        float[] scales = new float[(n + block - 1) / block];
        for (int b = 0; b < scales.length; b++) {
            int from = b * block, to = Math.min(n, from + block);
            float max = 0f;
            for (int e = from; e < to; e++) {
                float v = w.at(e);
                if (!Float.isFinite(v)) throw new IllegalArgumentException(name + ": cannot quantize the non-finite value " + v + " at [" + e / in + ", " + e % in + "]");
                max = Math.max(max, Math.abs(v));
            }
            scales[b] = max;
            for (int e = from; e < to; e++) {
                int code = format.code(max == 0f ? 0f : w.at(e) / max);
                words[e / perWord] |= code << ((e % perWord) * bits);
            }
        }
        return new QuantizedWeight(name, format, out, in, new IntTensor(words, new int[] {words.length}), Tensor.of(scales, scales.length).named(name + ".absmax"));
    }

    /** Rebuilds a weight from stored codes and scales (as {@link #codes()} and {@link #absmax()} return them). */
    public static QuantizedWeight of(String name, QuantizationFormat format, int out, int in, IntTensor codes, Tensor absmax) {
        long words = ((long) out * in * format.bits() + 31) / 32, blocks = ((long) out * in + format.blockSize(in) - 1) / format.blockSize(in);
        if (codes.size() != words || absmax.size() != blocks) {
            throw new IllegalArgumentException(name + ": a " + out + "×" + in + " " + format + " weight has " + words + " code words and "
                    + blocks + " scales, got " + codes.size() + " and " + absmax.size());
        }
        return new QuantizedWeight(name, format, out, in, codes, absmax);
    }

    public String name() { return name; }
    public QuantizationFormat format() { return format; }
    public IntTensor codes() { return codes; }
    public Tensor absmax() { return absmax; }

    /** Bytes this weight holds: packed codes plus fp32 scales (the format's shared codebook not counted). */
    public long storageBytes() { return 4L * codes.size() + 4L * absmax.size(); }

    @Override public int inFeatures() { return in; }
    @Override public int outFeatures() { return out; }
    @Override public List<Parameter> parameters() { return List.of(); }

    @Override
    public void forward(Ops ops, Tensor x, Tensor y) {
        ops.quantizedGemm(Transpose.T, 1f, x, codes, format.bits(), format.levels(), absmax, format.blockSize(in), 0f, y);
    }

    @Override
    public void backward(Ops ops, Tensor x, Tensor dy, Tensor dx, boolean accumulate) {
        if (dx != null) {
            ops.quantizedGemm(Transpose.N, 1f, dy, codes, format.bits(), format.levels(), absmax, format.blockSize(in), accumulate ? 1f : 0f, dx);
        }
    }

    /** Ŵ as a new dense [out, in] matrix (a copy: the layer itself never holds it). */
    @Override
    public Tensor dense() {
        Tensor w = Tensor.zeros(out, in).named(name + ".dequantized");
        try (JvmBackend ops = new JvmBackend(1)) {
            ops.dequantizeRows(codes, format.bits(), format.levels(), absmax, format.blockSize(in), 0, w);
        }
        return w;
    }

    @Override
    public String toString() {
        return "QuantizedWeight(" + name + ", " + format + ", " + out + "×" + in + ")";
    }
}
