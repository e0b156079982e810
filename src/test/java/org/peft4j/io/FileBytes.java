package org.peft4j.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors files byte by byte, straight from the format description. */
final class FileBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A file whose header is {@code json} (length prefix computed) followed by {@code data}. */
    static byte[] file(String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return new FileBytes().u64(header.length).raw(header).raw(data).bytes();
    }

    FileBytes u64(long v) { return raw(le(8).putLong(v).array()); }
    FileBytes f64(double v) { return raw(le(8).putDouble(v).array()); }
    FileBytes i64(long v) { return u64(v); }
    FileBytes f32(float v) { return raw(le(4).putFloat(v).array()); }
    FileBytes u16(int v) { return raw(le(2).putShort((short) v).array()); }
    FileBytes ascii(String s) { return raw(s.getBytes(StandardCharsets.US_ASCII)); }

    FileBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    byte[] bytes() { return out.toByteArray(); }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }
}
