package org.peft4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Reads and writes the safetensors format (see {@link SafetensorsHeader} for the layout and the
 * rules a file must follow).
 *
 * <p>Reading maps the file and copies each wanted tensor out once: F32, F16, BF16 and F64 become
 * float32 {@link Tensor}s, integer and BOOL dtypes become {@link IntTensor}s (values must fit
 * int32); F8, F6, F4 and C64 tensors are recognised and validated, but reading one throws
 * {@link SafetensorsFormatException} — leave them out with a name filter. Writing stores float32
 * tensors as F32, F16 or BF16 (rounded to nearest even) and int32 tensors as U8, I8, U16, I16 or
 * I32 (values must fit), laid out like the reference library:
 * by descending dtype alignment, then by name in UTF-8 byte order, header padded to 8 bytes.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Every tensor and the metadata of {@code file}. */
    public static SafetensorsFile read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /** The tensors of {@code file} whose names pass {@code wanted}, and its metadata. */
    public static SafetensorsFile read(Path file, Predicate<String> wanted) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            return decode(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena), wanted);
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** The validated header of {@code file}, without reading any tensor. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            return SafetensorsHeader.read(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena));
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every tensor and the metadata of a whole safetensors file held in {@code bytes}. */
    public static SafetensorsFile read(byte[] bytes) throws SafetensorsFormatException {
        return decode(MemorySegment.ofArray(bytes), name -> true);
    }

    /** Writes {@code tensors} as {@code dtype} to {@code file}, replacing it atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype)
            throws IOException {
        write(file, tensors, metadata, name -> dtype);
    }

    /** Writes each tensor as {@code dtypeOf.apply(name)} to {@code file}, replacing it atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
                             Function<String, DType> dtypeOf) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata, dtypeOf));
    }

    /** The bytes of a safetensors file holding {@code tensors} as {@code dtype}. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
        var out = new ByteArrayOutputStream();
        try {
            write(out, tensors, metadata, name -> dtype);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Streams a safetensors file holding each tensor as {@code dtypeOf.apply(name)} to {@code out}. */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata,
                             Function<String, DType> dtypeOf) throws IOException {
        write(out, tensors, Map.of(), metadata, dtypeOf);
    }

    /**
     * Writes float tensors (each as {@code dtypeOf.apply(name)}) and integer tensors (each as its
     * {@code ints} dtype: U8, I8, U16, I16 or I32; every value must fit it) to {@code file}, atomically.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, IntegerTensor> ints, Map<String, String> metadata,
                             Function<String, DType> dtypeOf) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, ints, metadata, dtypeOf));
    }

    /** An int32 tensor to be stored as the narrower integer {@code dtype}. */
    public record IntegerTensor(IntTensor values, DType dtype) {}

    private static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, IntegerTensor> ints, Map<String, String> metadata,
                              Function<String, DType> dtypeOf) throws IOException {
        record Laid(String name, int[] shape, DType dtype, IOConsumer<OutputStream> bytes) {}
        List<Laid> layout = new ArrayList<>(tensors.size() + ints.size());
        tensors.forEach((name, tensor) -> {
            DType dtype = writableDType(name, tensor, dtypeOf);
            layout.add(new Laid(name, tensor.shape(), dtype, o -> TensorBytes.write(tensor, dtype, o)));
        });
        ints.forEach((name, t) -> {
            if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor \"" + name + "\" is given both as float and as integer");
            TensorBytes.checkInts(name, t.values(), t.dtype());
            layout.add(new Laid(name, t.values().shape(), t.dtype(), o -> TensorBytes.writeInts(t.values(), t.dtype(), o)));
        });
        layout.sort(Comparator.comparing(Laid::dtype, Comparator.reverseOrder())
                .thenComparing(Laid::name, Safetensors::compareUtf8));
        Map<String, TensorInfo> entries = new LinkedHashMap<>();
        long offset = 0;
        for (Laid t : layout) {
            long bytes = Arrays.stream(t.shape()).asLongStream().reduce(1, (a, b) -> a * b) * t.dtype().bits() / 8;
            List<Long> shape = Arrays.stream(t.shape()).asLongStream().boxed().toList();
            entries.put(t.name(), new TensorInfo(t.dtype(), shape, offset, offset + bytes));
            offset += bytes;
        }
        metadata.forEach((k, v) -> Objects.requireNonNull(v, () -> "metadata value of \"" + k + "\" is null"));
        byte[] header = new SafetensorsHeader(entries, metadata).toPaddedJson();
        out.write(ByteBuffer.allocate(SafetensorsHeader.LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).array());
        out.write(header);
        for (Laid t : layout) t.bytes().accept(out);
        out.flush();
    }

    private static DType writableDType(String name, Tensor tensor, Function<String, DType> dtypeOf) {
        Objects.requireNonNull(name, "tensor name is null");
        Objects.requireNonNull(tensor, () -> "tensor \"" + name + "\" is null");
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("\"" + name + "\" is reserved for the metadata and cannot name a tensor");
        }
        DType dtype = Objects.requireNonNull(dtypeOf.apply(name), () -> "no dtype for tensor \"" + name + "\"");
        if (!TensorBytes.writable(dtype)) {
            throw new IllegalArgumentException("tensor \"" + name + "\": cannot write float32 values as " + dtype
                    + "; choose F32, F16 or BF16");
        }
        return dtype;
    }

    private static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static SafetensorsFile decode(MemorySegment file, Predicate<String> wanted) throws SafetensorsFormatException {
        SafetensorsHeader header = SafetensorsHeader.read(file);
        long dataStart = SafetensorsHeader.dataStart(file);
        Map<String, Tensor> floats = new LinkedHashMap<>();
        Map<String, IntTensor> ints = new LinkedHashMap<>();
        for (Map.Entry<String, TensorInfo> e : header.tensors().entrySet()) {
            String name = e.getKey();
            if (!wanted.test(name)) continue;
            TensorInfo info = e.getValue();
            int[] shape = intShape(name, info);
            int count = (int) info.elements();
            MemorySegment bytes = file.asSlice(dataStart + info.begin(), info.byteLength());
            if (TensorBytes.readsAsFloat(info.dtype())) {
                floats.put(name, Tensor.of(TensorBytes.readFloats(bytes, info.dtype(), count), shape).named(name));
            } else if (TensorBytes.readsAsInt(info.dtype())) {
                ints.put(name, new IntTensor(TensorBytes.readInts(bytes, info.dtype(), count, name), shape));
            } else {
                throw new SafetensorsFormatException("tensor \"" + name + "\" has dtype " + info.dtype()
                        + ", which peft4j does not read (it reads F64, F32, F16, BF16 as float32 and"
                        + " integer or BOOL dtypes as int32); skip it with a name filter");
            }
        }
        return new SafetensorsFile(floats, ints, header.metadata());
    }

    private static int[] intShape(String name, TensorInfo info) throws SafetensorsFormatException {
        boolean fits = info.elements() <= Integer.MAX_VALUE
                && info.shape().stream().allMatch(d -> d <= Integer.MAX_VALUE);
        if (!fits) {
            throw new SafetensorsFormatException("tensor \"" + name + "\": shape " + info.shape()
                    + " exceeds the 2^31-1 elements and dimension a peft4j tensor can hold");
        }
        return info.shape().stream().mapToInt(Long::intValue).toArray();
    }
}
