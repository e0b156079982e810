package org.peft4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.peft4j.tensor.HalfFloats;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Element values ⇄ little-endian safetensors bytes.
 *
 * <pre>
 *   read as float32 : F32 (exact), F16 and BF16 (exact widening), F64 (rounded to nearest)
 *   read as int32   : BOOL (0|1), U8, I8, I16, U16, I32, U32, I64, U64 (values must fit int32)
 *   write from f32  : F32 (exact), F16 and BF16 (round to nearest even, via HalfFloats)
 *   write from i32  : U8, I8, U16, I16, I32 (values must fit)
 * </pre>
 */
final class TensorBytes {
    private TensorBytes() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final int CHUNK_BYTES = 1 << 16;

    static boolean readsAsFloat(DType d) {
        return switch (d) { case F32, F16, BF16, F64 -> true; default -> false; };
    }

    static boolean readsAsInt(DType d) {
        return switch (d) { case BOOL, U8, I8, I16, U16, I32, U32, I64, U64 -> true; default -> false; };
    }

    static boolean writable(DType d) {
        return switch (d) { case F32, F16, BF16 -> true; default -> false; };
    }

    /** The {@code count} values of a {@link #readsAsFloat} dtype in {@code src}, as float32. */
    static float[] readFloats(MemorySegment src, DType dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, F32, 0, out, 0, count);
            case F16 -> { for (int i = 0; i < count; i++) out[i] = HalfFloats.fromF16(src.get(I16, 2L * i)); }
            case BF16 -> { for (int i = 0; i < count; i++) out[i] = HalfFloats.fromBF16(src.get(I16, 2L * i)); }
            case F64 -> { for (int i = 0; i < count; i++) out[i] = (float) src.get(F64, 8L * i); }
            default -> throw new IllegalArgumentException(dtype + " is not read as float32");
        }
        return out;
    }

    /** The {@code count} values of a {@link #readsAsInt} dtype in {@code src}, as int32. */
    static int[] readInts(MemorySegment src, DType dtype, int count, String name) throws SafetensorsFormatException {
        int[] out = new int[count];
        long min = switch (dtype) { case BOOL, U8, U16, U32, U64 -> 0; default -> Integer.MIN_VALUE; };
        long max = dtype == DType.BOOL ? 1 : Integer.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            long v = switch (dtype) {
                case BOOL, U8 -> src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                case I8 -> src.get(ValueLayout.JAVA_BYTE, i);
                case I16 -> src.get(I16, 2L * i);
                case U16 -> src.get(I16, 2L * i) & 0xFFFF;
                case I32 -> src.get(I32, 4L * i);
                case U32 -> src.get(I32, 4L * i) & 0xFFFF_FFFFL;
                case I64, U64 -> src.get(I64, 8L * i); // a U64 above 2^63 reads negative: out of range below
                default -> throw new IllegalArgumentException(dtype + " is not read as int32");
            };
            if (v < min || v > max) {
                String shown = dtype == DType.U64 ? Long.toUnsignedString(v) : Long.toString(v);
                throw new SafetensorsFormatException("tensor \"" + name + "\": " + dtype + " value " + shown
                        + " at index " + i + (dtype == DType.BOOL ? " is not 0 or 1" : " does not fit int32"));
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** Writes the values of {@code t} as little-endian {@code dtype} (F32, F16 or BF16). */
    static void write(Tensor t, DType dtype, OutputStream out) throws IOException {
        int width = dtype.bits() / 8;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(LE);
        int perChunk = CHUNK_BYTES / width;
        float[] data = t.data();
        for (int start = 0; start < t.size(); start += perChunk) {
            int n = Math.min(perChunk, t.size() - start);
            int from = t.offset() + start;
            switch (dtype) {
                case F32 -> chunk.asFloatBuffer().put(data, from, n);
                case F16 -> { for (int i = 0; i < n; i++) chunk.putShort(2 * i, HalfFloats.toF16(data[from + i])); }
                case BF16 -> { for (int i = 0; i < n; i++) chunk.putShort(2 * i, HalfFloats.toBF16(data[from + i])); }
                default -> throw new IllegalArgumentException(dtype + " is not written from float32");
            }
            out.write(chunk.array(), 0, n * width);
        }
    }

    /** Rejects a dtype integers are not written as, or a value that does not fit it. */
    static void checkInts(String name, IntTensor t, DType dtype) {
        long min, max;
        switch (dtype) {
            case U8 -> { min = 0; max = 0xFF; }
            case I8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
            case U16 -> { min = 0; max = 0xFFFF; }
            case I16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
            case I32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
            default -> throw new IllegalArgumentException("tensor \"" + name + "\": integers are written as U8, I8, U16, I16 or I32, not " + dtype);
        }
        int[] v = t.data();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < min || v[i] > max) {
                throw new IllegalArgumentException("tensor \"" + name + "\": value " + v[i] + " at index " + i + " does not fit " + dtype);
            }
        }
    }

    /** Writes the values of {@code t} as little-endian {@code dtype} (checked by {@link #checkInts}). */
    static void writeInts(IntTensor t, DType dtype, OutputStream out) throws IOException {
        int width = dtype.bits() / 8;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(LE);
        int perChunk = CHUNK_BYTES / width;
        int[] data = t.data();
        for (int start = 0; start < data.length; start += perChunk) {
            int n = Math.min(perChunk, data.length - start);
            for (int i = 0; i < n; i++) {
                int v = data[start + i];
                switch (width) {
                    case 1 -> chunk.put(i, (byte) v);
                    case 2 -> chunk.putShort(2 * i, (short) v);
                    default -> chunk.putInt(4 * i, v);
                }
            }
            out.write(chunk.array(), 0, n * width);
        }
    }
}
