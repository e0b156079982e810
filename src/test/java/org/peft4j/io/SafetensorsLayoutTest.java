package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peft4j.tensor.Tensor;

/** The bytes the writer produces: header padding, tensor order, alignment, exact layout. */
class SafetensorsLayoutTest {
    private static final float[] ZERO_TO_FIVE = {0, 1, 2, 3, 4, 5};

    private static byte[] expected(String json, float... values) {
        byte[] header = json.getBytes(StandardCharsets.US_ASCII);
        int padded = (header.length + 7) / 8 * 8;
        var file = new FileBytes().u64(padded).raw(header).ascii(" ".repeat(padded - header.length));
        for (float v : values) file.f32(v);
        return file.bytes();
    }

    @Test
    void compactHeaderWithoutPaddingWhenAlreadyAligned() {
        // 64 header bytes: the same layout the reference library produces for this tensor
        byte[] bytes = Safetensors.toBytes(Map.of("attn.0", Tensor.of(ZERO_TO_FIVE.clone(), 1, 2, 3)), Map.of(), DType.F32);
        String json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, json.length());
        assertArrayEquals(expected(json, ZERO_TO_FIVE), bytes);
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() {
        byte[] bytes = Safetensors.toBytes(Map.of("attn0", Tensor.of(ZERO_TO_FIVE.clone(), 1, 1, 2, 3)), Map.of(), DType.F32);
        String json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(65, json.length());
        assertArrayEquals(expected(json, ZERO_TO_FIVE), bytes);
        assertEquals(72, bytes[0]);
    }

    @Test
    void metadataComesFirstAndAnEmptyFileIsJustAHeader() {
        byte[] bytes = Safetensors.toBytes(Map.of(), Map.of("framework", "pt"), DType.F32);
        assertArrayEquals(expected("{\"__metadata__\":{\"framework\":\"pt\"}}"), bytes);
        assertArrayEquals(expected("{}"), Safetensors.toBytes(Map.of(), Map.of(), DType.F32));
    }

    @Test
    void tensorsAreLaidOutByDescendingAlignmentThenUtf8Name() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        String[] names = {"b16", "a16", "z32", "c_bf", "\uFFFD", "\uD83D\uDE00", "m32"};
        DType[] dtypes = {DType.F16, DType.F16, DType.F32, DType.BF16, DType.F32, DType.F32, DType.F32};
        int[] sizes = {3, 1, 7, 5, 1, 2, 33};
        for (int i = 0; i < names.length; i++) tensors.put(names[i], Tensor.uniform(i, 1, sizes[i]));
        Map<String, DType> dtypeOf = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) dtypeOf.put(names[i], dtypes[i]);

        var out = new ByteArrayOutputStream();
        Safetensors.write(out, tensors, Map.of(), dtypeOf::get);
        byte[] bytes = out.toByteArray();
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        var header = SafetensorsHeader.parse(Arrays.copyOfRange(bytes, 8, 8 + (int) n), bytes.length - 8 - n);

        // F32 first (UTF-8 byte order puts U+FFFD before U+1F600, unlike String.compareTo), then BF16, then F16
        assertEquals(List.of("m32", "z32", "\uFFFD", "\uD83D\uDE00", "c_bf", "a16", "b16"),
                List.copyOf(header.tensors().keySet()));
        long offset = 0;
        for (var e : header.tensors().entrySet()) {
            TensorInfo info = e.getValue();
            assertEquals(offset, info.begin(), e.getKey());
            assertEquals(0, (8 + n + info.begin()) % (info.dtype().bits() / 8), e.getKey() + " aligned");
            offset = info.end();
        }
        assertEquals(bytes.length - 8 - n, offset);
        String headerText = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(headerText.startsWith("{\"m32\":{\"dtype\":\"F32\",\"shape\":[33],\"data_offsets\":[0,132]}"), headerText);
    }
}
