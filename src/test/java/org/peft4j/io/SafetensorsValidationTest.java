package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each malformed input is rejected with SafetensorsFormatException naming the problem. */
class SafetensorsValidationTest {
    private static final String F32_2x3 = "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";

    private static void assertRejected(byte[] file, String... fragments) {
        var e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message \"" + e.getMessage() + "\" lacks \"" + f + "\"");
        }
    }

    private static void assertRejected(String json, int dataBytes, String... fragments) {
        assertRejected(FileBytes.file(json, new byte[dataBytes]), fragments);
    }

    @Test
    void acceptsTheValidBaseline() throws Exception {
        var file = Safetensors.read(FileBytes.file("{\"w\":" + F32_2x3 + "}", new byte[24]));
        assertEquals(1, file.tensors().size());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void fileShorterThanTheLengthPrefix(int size) {
        assertRejected(new byte[size], "file is " + size + " bytes", "shorter than the 8-byte");
    }

    @Test
    void headerLengthBeyondTheFile() {
        byte[] file = new FileBytes().u64(100).ascii("{}").bytes();
        assertRejected(file, "header length 100 bytes exceeds the 2 bytes");
    }

    @Test
    void headerLengthOverTheLimitIsRejectedBeforeAllocating() {
        assertRejected(new FileBytes().u64(100_000_001).ascii("{}").bytes(), "100000001 bytes exceeds the limit of 100000000");
        assertRejected(new FileBytes().u64(-1).bytes(), "18446744073709551615 bytes exceeds the limit");
    }

    @Test
    void headerNotUtf8() {
        byte[] bad = new FileBytes().u64(8).ascii("{\"").raw(new byte[] {(byte) 0xC3, 0x28}).ascii("\":1}").bytes();
        assertRejected(bad, "not valid UTF-8");
    }

    @Test
    void headerNotJson() {
        assertRejected("{\"w\": ", 0, "not valid JSON");
        assertRejected("{} x", 0, "not valid JSON");
    }

    @Test
    void headerNotAnObject() {
        assertRejected("[1, 2]", 0, "must be a JSON object, found array");
        assertRejected("        ", 0, "must be a JSON object, found nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void entryMissingAField(String field) {
        String entry = F32_2x3.replaceFirst("\"" + field + "\":(\"F32\"|\\[[0-9,]*\\]),?", "").replace(",}", "}");
        assertRejected("{\"w\":" + entry + "}", 24, "tensor \"w\": missing \"" + field + "\"");
    }

    @Test
    void entryNotAnObject() {
        assertRejected("{\"w\":[1]}", 0, "tensor \"w\": entry must be a JSON object, found array");
    }

    @Test
    void unknownDtype() {
        assertRejected("{\"w\":" + F32_2x3.replace("F32", "F12") + "}", 24, "unknown dtype \"F12\"", "BF16");
    }

    @Test
    void negativeDimension() {
        assertRejected("{\"w\":" + F32_2x3.replace("[2,3]", "[2,-3]") + "}", 24, "tensor \"w\": shape[1] = -3 is negative");
    }

    @Test
    void fractionalDimension() {
        assertRejected("{\"w\":" + F32_2x3.replace("[2,3]", "[2,3.5]") + "}", 24, "shape[1] = 3.5 is not an integer");
    }

    @Test
    void shapeProductTimesDtypeSizeDiffersFromTheSpan() {
        assertRejected("{\"w\":" + F32_2x3.replace("[0,24]", "[0,20]") + "}", 20,
                "tensor \"w\": shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20");
    }

    @Test
    void shapeThatOverflowsTheByteCount() {
        assertRejected("{\"w\":" + F32_2x3.replace("[2,3]", "[4611686018427387904,8]") + "}", 24, "overflows");
    }

    @Test
    void offsetsOutsideTheBuffer() {
        assertRejected("{\"w\":" + F32_2x3 + "}", 16, "data_offsets [0, 24] exceed the 16-byte data buffer");
    }

    @Test
    void offsetsEndingBeforeTheyBegin() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8, "end before they begin");
    }

    @Test
    void offsetsNotAPair() {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8, "found 3 numbers");
    }

    @Test
    void overlappingTensors() {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}";
        assertRejected(json, 24, "tensors \"a\" and \"b\" overlap");
    }

    @Test
    void holeBetweenTensors() {
        String json = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertRejected(json, 24, "bytes [8, 16) of the data buffer before tensor \"b\" belong to no tensor");
    }

    @Test
    void bytesLeftOverAfterTheLastTensor() {
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12,
                "bytes [8, 12) of the data buffer at the end of the data buffer belong to no tensor");
    }

    @Test
    void duplicateTensorNames() {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertRejected(json, 8, "not valid JSON", "Duplicate", "'a'");
    }

    @Test
    void metadataValueNotAString() {
        assertRejected("{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0,
                "__metadata__ value of \"step\" must be a string, found number");
    }

    @Test
    void metadataNotAnObject() {
        assertRejected("{\"__metadata__\":[\"pt\"]}", 0, "__metadata__ must be a JSON object of strings, found array");
    }

    @Test
    void dtypesPeft4jDoesNotConvertAreValidatedButRefusedByName() throws Exception {
        byte[] file = FileBytes.file("{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[0,3]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[3,7]}}", new byte[7]);
        assertRejected(file, "tensor \"q\" has dtype F8_E4M3, which peft4j does not read");
        var header = SafetensorsHeader.parse(java.util.Arrays.copyOfRange(file, 8, file.length - 7), 7);
        assertEquals(DType.F8_E4M3, header.tensors().get("q").dtype());
    }

    @Test
    void subByteDtypeMustFillWholeBytes() {
        assertRejected("{\"q\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2,
                "is 12 bits, not a whole number of bytes");
    }

    @Test
    void integerValuesOutsideInt32() {
        byte[] i64 = FileBytes.file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
                new FileBytes().i64(5).i64(1L << 40).bytes());
        assertRejected(i64, "tensor \"ids\": I64 value 1099511627776 at index 1 does not fit int32");
        byte[] bool = FileBytes.file("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[] {1, 2});
        assertRejected(bool, "BOOL value 2 at index 1 is not 0 or 1");
    }

    @Test
    void dimensionBeyondJavaArrays() {
        assertRejected("{\"e\":{\"dtype\":\"F32\",\"shape\":[3000000000,0],\"data_offsets\":[0,0]}}", 0,
                "shape [3000000000, 0] exceeds the 2^31-1");
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("broken.safetensors");
        Files.write(path, new byte[3]);
        var e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(path));
        assertTrue(e.getMessage().startsWith(path + ": file is 3 bytes"), e.getMessage());
        assertThrows(SafetensorsFormatException.class, () -> Safetensors.readHeader(path));
    }
}
