package org.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peft4j.tensor.Tensor;

/** A write either replaces the target completely or leaves it, and its directory, as they were. */
class AtomicFilesTest {
    @TempDir Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void text(Path file, String s) throws IOException {
        AtomicFiles.write(file, out -> out.write(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void createsAndReplaces() throws Exception {
        Path target = dir.resolve("config.json");
        text(target, "first");
        assertEquals("first", Files.readString(target));
        text(target, "second, longer than the first");
        assertEquals("second, longer than the first", Files.readString(target));
        assertEquals(List.of("config.json"), listing());
    }

    @Test
    void failureMidWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path target = dir.resolve("adapter_model.safetensors");
        text(target, "old contents");
        var boom = new IOException("disk full");
        var thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("old contents", Files.readString(target));
        assertEquals(List.of("adapter_model.safetensors"), listing());
    }

    @Test
    void uncheckedFailureIsCleanedUpToo() throws Exception {
        Path target = dir.resolve("state.bin");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new UncheckedIOException(new IOException("lost"));
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listing());
    }

    @Test
    void aBodyMayCloseItsStream() throws Exception {
        Path target = dir.resolve("closed.txt");
        AtomicFiles.write(target, out -> {
            out.write("abc".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        assertEquals("abc", Files.readString(target));
    }

    @Test
    void safetensorsWriteThatFailsKeepsThePreviousModel() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Tensor w = Tensor.uniform(3, 1, 7, 3);
        Safetensors.write(target, Map.of("w", w), Map.of(), DType.F32);
        byte[] before = Files.readAllBytes(target);
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(target, Map.of("w", w, "v", w), Map.of(), n -> n.equals("v") ? DType.I8 : DType.F32));
        assertArrayEquals(before, Files.readAllBytes(target));
        assertArrayEquals(w.toArray(), Safetensors.read(target).tensor("w").toArray());
        assertEquals(List.of("model.safetensors"), listing());
    }

    @Test
    void directoryIsCreatedThenSwappedWhole() throws Exception {
        Path adapter = dir.resolve("adapter");
        AtomicFiles.writeDirectory(adapter, staging -> {
            text(staging.resolve("adapter_config.json"), "{\"r\": 8}");
            Files.createDirectory(staging.resolve("extra"));
            text(staging.resolve("extra/notes.txt"), "v1");
        });
        assertEquals("{\"r\": 8}", Files.readString(adapter.resolve("adapter_config.json")));
        assertEquals("v1", Files.readString(adapter.resolve("extra/notes.txt")));

        AtomicFiles.writeDirectory(adapter, staging -> text(staging.resolve("adapter_config.json"), "{\"r\": 16}"));
        assertEquals("{\"r\": 16}", Files.readString(adapter.resolve("adapter_config.json")));
        assertFalse(Files.exists(adapter.resolve("extra")), "the old directory's files are gone");
        assertEquals(List.of("adapter"), listing());
    }

    @Test
    void directoryFailureLeavesTheOldDirectory() throws Exception {
        Path adapter = dir.resolve("adapter");
        AtomicFiles.writeDirectory(adapter, staging -> text(staging.resolve("adapter_config.json"), "{\"r\": 8}"));
        var boom = new IOException("interrupted");
        var thrown = assertThrows(IOException.class, () -> AtomicFiles.writeDirectory(adapter, staging -> {
            text(staging.resolve("adapter_config.json"), "{\"r\": 16}");
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("{\"r\": 8}", Files.readString(adapter.resolve("adapter_config.json")));
        assertEquals(List.of("adapter"), listing());
    }
}
