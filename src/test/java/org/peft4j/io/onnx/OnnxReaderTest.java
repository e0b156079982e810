package org.peft4j.io.onnx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class OnnxReaderTest {

    private static float[] randomFloats(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextDouble() * 4 - 2);
        return v;
    }

    private static OnnxFormatException parseFails(byte[] model) {
        return assertThrows(OnnxFormatException.class, () -> OnnxReader.parse(model));
    }

    private static OnnxFormatException parseFails(Proto tensor) {
        return parseFails(new OnnxModelBuilder().initializer(tensor).build());
    }

    @Test
    void decodesFloatAndInt64TensorsInEveryEncoding() throws OnnxFormatException {
        float[] raw = randomFloats(1, 3 * 7), packed = randomFloats(2, 5), unpacked = randomFloats(3, 2);
        float[] scalar = randomFloats(4, 1);
        long[] longs = {0, 1, 2, -3}, packedLongs = {Long.MIN_VALUE, 7, Long.MAX_VALUE};
        Proto unpackedFloats = new Proto().varint(1, 2).varint(1, 1).varint(2, OnnxTensor.FLOAT).string(8, "unpacked");
        for (float v : unpacked) unpackedFloats.fixed32Float(4, v);
        byte[] model = new OnnxModelBuilder()
                .initializer(OnnxModelBuilder.floatTensor("raw", raw, 3, 7).string(12, "doc string").varint(99, 5))
                .initializer(new Proto().varint(1, 5).varint(2, OnnxTensor.FLOAT).bytes(4, Proto.littleEndianFloats(packed)).string(8, "packed"))
                .initializer(unpackedFloats)
                .initializer(OnnxModelBuilder.floatTensor("scalar", scalar))
                .initializer(OnnxModelBuilder.int64Tensor("ids", longs, 1, 4))
                .initializer(new Proto().string(8, "packedLongs").varint(2, OnnxTensor.INT64).packedInt64(1, 3).packedInt64(7, packedLongs))
                .initializer(new Proto().string(8, "half").varint(2, 10).varint(1, 2).bytes(9, new byte[4]))
                .build();

        OnnxGraph g = OnnxReader.parse(model);

        assertEquals(List.of("raw", "packed", "unpacked", "scalar", "ids", "packedLongs", "half"), List.copyOf(g.initializers().keySet()));
        assertArrayEquals(new int[] {3, 7}, g.weight("raw").shape());
        assertArrayEquals(raw, g.weight("raw").toArray());
        assertArrayEquals(packed, g.weight("packed").toArray());
        assertArrayEquals(new int[] {2, 1}, g.weight("unpacked").shape());
        assertArrayEquals(unpacked, g.weight("unpacked").toArray());
        assertArrayEquals(new int[0], g.weight("scalar").shape());
        assertEquals(scalar[0], g.weight("scalar").at(0));
        assertArrayEquals(longs, g.initializers().get("ids").int64Values());
        assertArrayEquals(new int[] {1, 4}, g.initializers().get("ids").dims());
        assertArrayEquals(packedLongs, g.initializers().get("packedLongs").int64Values());
        assertEquals(21 + 5 + 2 + 1, g.parameterCount(), "FLOAT values only");

        OnnxTensor half = g.initializers().get("half");
        assertEquals(10, half.dataType());
        assertArrayEquals(new int[] {2}, half.dims());
        var e = assertThrows(OnnxFormatException.class, () -> g.weight("half"));
        assertEquals("'half' has data_type 10 (FLOAT16); only FLOAT (1) is supported here", e.getMessage());
        assertThrows(OnnxFormatException.class, () -> g.weight("ids"));
        assertTrue(assertThrows(OnnxFormatException.class, () -> g.weight("nope")).getMessage().contains("no initializer 'nope'"));
    }

    @Test
    void readsNodesAndConstantValues() throws OnnxFormatException {
        float[] w = randomFloats(5, 4 * 3);
        byte[] model = new OnnxModelBuilder()
                .constant("shape", OnnxModelBuilder.int64Tensor("", new long[] {1, -1, 2, 6}, 4))
                .constant("eps", OnnxModelBuilder.floatTensor("", new float[] {1e-12f}))
                .node("MatMul", List.of("x", "W"), "xw")
                .node("Add", List.of("b", "xw"), "y")
                .node("Reshape", List.of("y", "shape"), "z")
                .initializer(OnnxModelBuilder.floatTensor("W", w, 4, 3))
                .build();

        OnnxGraph g = OnnxReader.parse(model);

        assertEquals(List.of("Constant", "Constant", "MatMul", "Add", "Reshape"), g.nodes().stream().map(OnnxNode::opType).toList());
        OnnxNode matMul = g.nodes().get(2);
        assertEquals(new OnnxNode("/MatMul_2", "MatMul", List.of("x", "W"), List.of("xw")), matMul);
        assertEquals(List.of(matMul), g.consumers("W"));
        assertEquals("Add", g.consumers("xw").getFirst().opType());
        assertEquals(matMul, g.producer("xw").orElseThrow());
        assertTrue(g.producer("x").isEmpty());
        assertArrayEquals(new long[] {1, -1, 2, 6}, g.constant("shape").orElseThrow().int64Values());
        assertEquals("shape", g.constants().get("shape").name());
        assertArrayEquals(new float[] {1e-12f}, g.constant("eps").orElseThrow().floats());
        assertArrayEquals(w, g.constant("W").orElseThrow().floats(), "initializers are constants too");
        assertTrue(g.constant("y").isEmpty());
    }

    @Test
    void rejectsInputsThatAreNotOnnxModels() {
        assertEquals("no graph (ModelProto field 7): not an ONNX model", parseFails(new byte[0]).getMessage());
        byte[] text = "just some text, not a model".getBytes(StandardCharsets.UTF_8);
        assertNotNull(parseFails(text).getMessage());
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            byte[] noise = new byte[1 + rng.nextInt(300)];
            for (int i = 0; i < noise.length; i++) noise[i] = (byte) rng.nextInt(256);
            parseFails(noise);
        }
        var wrongWireType = parseFails(new Proto().varint(7, 3).toBytes());
        assertEquals("ModelProto.graph has wire type 0, expected 2: not an ONNX model", wrongWireType.getMessage());
    }

    @Test
    void everyTruncationIsATypedError() {
        byte[] model = new OnnxModelBuilder()
                .constant("c", OnnxModelBuilder.int64Tensor("", new long[] {3, 5}, 2))
                .node("MatMul", List.of("x", "W"), "y")
                .initializer(OnnxModelBuilder.floatTensor("W", randomFloats(6, 33), 3, 11))
                .build();
        for (int cut = 0; cut < model.length; cut++) parseFails(Arrays.copyOf(model, cut));
    }

    @Test
    void rejectsTensorsWhoseDataDisagreesWithTheirDims() {
        var raw = parseFails(OnnxModelBuilder.floatTensor("w", randomFloats(7, 5), 2, 3));
        assertEquals("'w' (FLOAT, dims [2, 3]): raw_data holds 20 bytes but the dims need 24", raw.getMessage());
        var longs = parseFails(OnnxModelBuilder.int64Tensor("ids", new long[] {1, 2}, 3));
        assertEquals("'ids' (INT64, dims [3]): raw_data holds 16 bytes but the dims need 24", longs.getMessage());
        var floatData = parseFails(new Proto().string(8, "f").varint(2, 1).varint(1, 4).bytes(4, Proto.littleEndianFloats(1, 2, 3)));
        assertEquals("'f' (FLOAT, dims [4]): float_data holds 3 values but the dims need 4", floatData.getMessage());
        var negative = parseFails(OnnxModelBuilder.floatTensor("n", new float[0], 3, -1));
        assertEquals("'n' has negative dims [3, -1]", negative.getMessage());
        var tooLarge = parseFails(OnnxModelBuilder.floatTensor("big", new float[1], 100_000, 100_000));
        assertEquals("'big' dims [100000, 100000] exceed 2^31-1 values", tooLarge.getMessage());
        // 2 · 2^62 wraps a long to a negative count: each dim is checked before it multiplies.
        var wrapping = parseFails(OnnxModelBuilder.floatTensor("wrap", new float[0], 2, 1L << 62));
        assertEquals("'wrap' dims [2, 4611686018427387904] exceed 2^31-1 values", wrapping.getMessage());
        // 2·10⁹ values fit an int but not the input: refused before any allocation.
        var noData = parseFails(OnnxModelBuilder.floatTensor("huge", new float[1], 50_000, 40_000));
        assertTrue(noData.getMessage().endsWith("raw_data holds 4 bytes but the dims need 8000000000"), noData.getMessage());
        var packedNotFloats = parseFails(new Proto().string(8, "p").varint(2, 1).bytes(4, new byte[5]));
        assertTrue(packedNotFloats.getMessage().contains("5 bytes is not a whole number of floats"));
        var external = parseFails(new Proto().string(8, "ext").varint(2, 1).varint(14, 1));
        assertEquals("'ext' keeps its data in an external file, which is not supported", external.getMessage());
        var twice = parseFails(new OnnxModelBuilder()
                .initializer(OnnxModelBuilder.floatTensor("w", new float[] {1}, 1))
                .initializer(OnnxModelBuilder.floatTensor("w", new float[] {2}, 1)).build());
        assertEquals("initializer 'w' appears twice", twice.getMessage());
    }

    @Test
    void refusesLengthsLongerThanTheInput() {
        // raw_data announces 2^30 bytes and carries 8.
        byte[] tensor = new Proto().string(8, "liar").varint(2, 1).varint(1, 2).toBytes();
        byte[] lie = {(byte) 0x4A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x04, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] body = new byte[tensor.length + lie.length];
        System.arraycopy(tensor, 0, body, 0, tensor.length);
        System.arraycopy(lie, 0, body, tensor.length, lie.length);
        byte[] model = new Proto().message(7, new Proto().bytes(5, body)).toBytes();
        var e = parseFails(model);
        assertEquals("raw_data of 'liar' claims 1073741824 bytes but only 8 remain (truncated file?)", e.getMessage());
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path notOnnx = dir.resolve("notes.onnx");
        Files.writeString(notOnnx, "these are notes, not a model");
        var e = assertThrows(OnnxFormatException.class, () -> OnnxReader.read(notOnnx));
        assertTrue(e.getMessage().startsWith(notOnnx + ": "), e.getMessage());

        Path ok = dir.resolve("ok.onnx");
        float[] w = randomFloats(8, 7);
        Files.write(ok, new OnnxModelBuilder().initializer(OnnxModelBuilder.floatTensor("w", w, 7)).build());
        assertArrayEquals(w, OnnxReader.read(ok).weight("w").toArray());
    }
}
