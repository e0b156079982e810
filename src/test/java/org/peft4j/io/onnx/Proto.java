package org.peft4j.io.onnx;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes one protobuf message field by field, for building ONNX test inputs byte by byte. */
final class Proto {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    Proto varint(int field, long value) {
        return write(() -> out.writeInt64(field, value));
    }

    Proto fixed32Float(int field, float value) {
        return write(() -> out.writeFloat(field, value));
    }

    Proto string(int field, String value) {
        return write(() -> out.writeString(field, value));
    }

    /** A length-delimited field: a nested message, raw bytes or a packed repeated field. */
    Proto bytes(int field, byte[] value) {
        return write(() -> out.writeByteArray(field, value));
    }

    Proto message(int field, Proto message) {
        return bytes(field, message.toBytes());
    }

    Proto packedInt64(int field, long... values) {
        Proto packed = new Proto();
        packed.write(() -> { for (long v : values) packed.out.writeInt64NoTag(v); });
        return bytes(field, packed.toBytes());
    }

    byte[] toBytes() {
        write(out::flush);
        return bytes.toByteArray();
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    static byte[] littleEndianLongs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return b.array();
    }

    private interface Write { void run() throws IOException; }

    private Proto write(Write w) {
        try {
            w.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
