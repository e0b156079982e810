package org.peft4j.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads dataset files; every failure becomes a {@link MalformedDatasetException} naming the file. */
final class DatasetFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DatasetFiles() {}

    @FunctionalInterface
    interface ReadFile<T> {
        T read(Path file) throws IOException;
    }

    static <T> T read(Path file, ReadFile<T> reader) {
        try {
            return reader.read(file);
        } catch (NoSuchFileException e) {
            throw new MalformedDatasetException(file, "missing", e);
        } catch (JacksonException e) {
            var at = e.getLocation();
            throw new MalformedDatasetException(file, "malformed JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedDatasetException(file, "cannot read: " + e, e);
        }
    }

    static byte[] bytes(Path file) {
        return read(file, Files::readAllBytes);
    }

    /** A JSON object; bytes that are not valid UTF-8 become U+FFFD instead of failing the parse. */
    static JsonNode jsonObject(Path file) {
        JsonNode node = read(file, f -> JSON.readTree(new String(Files.readAllBytes(f), StandardCharsets.UTF_8)));
        if (node == null || !node.isObject()) {
            throw new MalformedDatasetException(file, "expected a JSON object");
        }
        return node;
    }

    /** The files in {@code folder} whose names end with {@code suffix}, sorted by name. */
    static List<Path> list(Path folder, String suffix) {
        return read(folder, f -> {
            try (Stream<Path> entries = Files.list(f)) {
                return entries.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                        .sorted()
                        .toList();
            }
        });
    }

    static JsonFactory jsonFactory() {
        return JSON.getFactory();
    }
}
