package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A file assembled byte by byte from the format description, the way another writer might lay
 * it out: header order differs from buffer order, metadata last, extra whitespace and padding,
 * unaligned offsets, and F16/BF16/F64/I64 values whose bit patterns are spelled out.
 */
class SafetensorsFixtureTest {
    @Test
    void readsAFileWrittenElsewhere() throws Exception {
        String json = """
                { "proj.weight": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [16, 24]},
                  "proj.bias": {"shape": [3], "dtype": "F16", "data_offsets": [24, 30], "extra": true},
                  "position_ids": {"dtype": "I64", "shape": [1, 2], "data_offsets": [0, 16]},
                  "scale": {"dtype": "F64", "shape": [], "data_offsets": [30, 38]},
                  "__metadata__": {"format": "pt", "note": "hand made"} }\
                """ + "   ";
        byte[] data = new FileBytes()
                .i64(7).i64(-2)                                  // position_ids
                .u16(0x3F80).u16(0xC040).u16(0x3EAA).u16(0x4049) // proj.weight: 1, -3, 0.33203125, 3.140625
                .u16(0x3C00).u16(0xB800).u16(0x7BFF)             // proj.bias: 1, -0.5, 65504
                .f64(0.1)                                        // scale
                .bytes();
        var file = Safetensors.read(FileBytes.file(json, data));

        assertEquals(List.of("proj.weight", "proj.bias", "scale"), List.copyOf(file.tensors().keySet()));
        assertArrayEquals(new int[] {2, 2}, file.tensor("proj.weight").shape());
        assertArrayEquals(new float[] {1f, -3f, 0.33203125f, 3.140625f}, file.tensor("proj.weight").toArray());
        assertArrayEquals(new float[] {1f, -0.5f, 65504f}, file.tensor("proj.bias").toArray());
        assertArrayEquals(new int[0], file.tensor("scale").shape());
        assertEquals(0.1f, file.tensor("scale").at(0));

        var ids = file.intTensors().get("position_ids");
        assertArrayEquals(new int[] {1, 2}, ids.shape());
        assertArrayEquals(new int[] {7, -2}, ids.data());
        assertEquals(Map.of("format", "pt", "note", "hand made"), file.metadata());
    }

    @Test
    void readsEveryIntegerDtype() throws Exception {
        String json = "{\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,3]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[3,4]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[6,8]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[16,24]}}";
        byte[] data = new FileBytes().raw(new byte[] {1, 0, (byte) 200, (byte) -100})
                .u16(0x8000).u16(0xFFFF)
                .raw(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF})   // I32 -2
                .raw(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F})          // U32 2^31-1
                .u64(123456789)
                .bytes();
        var ints = Safetensors.read(FileBytes.file(json, data)).intTensors();
        assertArrayEquals(new int[] {1, 0}, ints.get("b").data());
        assertArrayEquals(new int[] {200}, ints.get("u8").data());
        assertArrayEquals(new int[] {-100}, ints.get("i8").data());
        assertArrayEquals(new int[] {-32768}, ints.get("i16").data());
        assertArrayEquals(new int[] {65535}, ints.get("u16").data());
        assertArrayEquals(new int[] {-2}, ints.get("i32").data());
        assertArrayEquals(new int[] {Integer.MAX_VALUE}, ints.get("u32").data());
        assertArrayEquals(new int[] {123456789}, ints.get("u64").data());
    }
}
