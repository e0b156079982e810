package org.peft4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON header of a safetensors file: tensor entries and the {@code __metadata__} string map,
 * both in header order.
 *
 * <pre>
 *   file = u64 little-endian N | N bytes UTF-8 JSON (space-padded) | data buffer
 *   header = {"NAME": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...,
 *             "__metadata__": {"key": "value", ...}}
 * </pre>
 *
 * Reading enforces the reference library's rules: N ≤ 100,000,000 and within the file; a JSON
 * object without duplicate keys; every entry with a known dtype, non-negative integer shape and
 * {@code end − begin = product(shape) · bits / 8}; entries that, sorted by offset, tile the
 * data buffer exactly (no overlap, no hole, nothing past the end or left over); string
 * metadata values. Unknown keys inside an entry are ignored, as the reference library does.
 */
public record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    /** Largest header the reference library accepts. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    static final int LENGTH_PREFIX_BYTES = 8;
    private static final ValueLayout.OfLong LENGTH_PREFIX = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength((int) MAX_HEADER_BYTES).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Size of the data buffer these entries tile: the largest end offset. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::end).max().orElse(0);
    }

    /**
     * Reads and validates the header of a whole safetensors file. Nothing is allocated from a
     * claimed size before that size is checked against {@code file.byteSize()}.
     */
    static SafetensorsHeader read(MemorySegment file) throws SafetensorsFormatException {
        long fileBytes = file.byteSize();
        if (fileBytes < LENGTH_PREFIX_BYTES) {
            throw new SafetensorsFormatException("file is " + fileBytes
                    + " bytes, shorter than the 8-byte header length prefix");
        }
        long n = file.get(LENGTH_PREFIX, 0);
        if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw new SafetensorsFormatException("header length " + Long.toUnsignedString(n)
                    + " bytes exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > fileBytes - LENGTH_PREFIX_BYTES) {
            throw new SafetensorsFormatException("header length " + n + " bytes exceeds the "
                    + (fileBytes - LENGTH_PREFIX_BYTES) + " bytes that follow the length prefix");
        }
        byte[] json = file.asSlice(LENGTH_PREFIX_BYTES, n).toArray(ValueLayout.JAVA_BYTE);
        return parse(json, fileBytes - LENGTH_PREFIX_BYTES - n);
    }

    /** Offset of the data buffer in a file whose header {@link #read} accepted. */
    static long dataStart(MemorySegment file) {
        return LENGTH_PREFIX_BYTES + file.get(LENGTH_PREFIX, 0);
    }

    /** Parses and validates header JSON for a data buffer of {@code dataBytes} bytes. */
    public static SafetensorsHeader parse(byte[] json, long dataBytes) throws SafetensorsFormatException {
        JsonNode root = parseJson(json);
        if (!root.isObject()) {
            throw new SafetensorsFormatException("header must be a JSON object, found " + kind(root));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(field.getValue());
            } else {
                tensors.put(field.getKey(), parseEntry(field.getKey(), field.getValue(), dataBytes));
            }
        }
        checkTiling(tensors, dataBytes);
        return new SafetensorsHeader(tensors, metadata);
    }

    /** The header as compact JSON, metadata first, padded with spaces to a multiple of 8 bytes. */
    public byte[] toPaddedJson() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        tensors.forEach((name, info) -> {
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", info.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            info.shape().forEach(shape::add);
            entry.putArray("data_offsets").add(info.begin()).add(info.end());
        });
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("serialising a JSON tree cannot fail", e);
        }
        int padded = (json.length + LENGTH_PREFIX_BYTES - 1) / LENGTH_PREFIX_BYTES * LENGTH_PREFIX_BYTES;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static JsonNode parseJson(byte[] json) throws SafetensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException("header is not valid UTF-8");
        }
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            var at = e.getLocation();
            throw new SafetensorsFormatException("header is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
    }

    private static Map<String, String> parseMetadata(JsonNode node) throws SafetensorsFormatException {
        if (node.isNull()) return Map.of();
        if (!node.isObject()) {
            throw new SafetensorsFormatException(METADATA_KEY + " must be a JSON object of strings, found " + kind(node));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new SafetensorsFormatException(METADATA_KEY + " value of \"" + field.getKey()
                        + "\" must be a string, found " + kind(field.getValue()));
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseEntry(String name, JsonNode node, long dataBytes) throws SafetensorsFormatException {
        String where = "tensor \"" + name + "\": ";
        if (!node.isObject()) throw new SafetensorsFormatException(where + "entry must be a JSON object, found " + kind(node));
        JsonNode dtypeNode = required(where, node, "dtype");
        if (!dtypeNode.isTextual()) throw new SafetensorsFormatException(where + "dtype must be a string, found " + kind(dtypeNode));
        DType dtype = DType.fromHeaderName(dtypeNode.textValue());
        if (dtype == null) {
            throw new SafetensorsFormatException(where + "unknown dtype \"" + dtypeNode.textValue()
                    + "\" (known: " + DType.known() + ")");
        }
        List<Long> shape = unsignedIntegers(where, "shape", required(where, node, "shape"));
        List<Long> offsets = unsignedIntegers(where, "data_offsets", required(where, node, "data_offsets"));
        if (offsets.size() != 2) {
            throw new SafetensorsFormatException(where + "data_offsets must be [begin, end], found " + offsets.size() + " numbers");
        }
        long begin = offsets.get(0), end = offsets.get(1);
        if (end < begin) throw new SafetensorsFormatException(where + "data_offsets " + offsets + " end before they begin");
        long bits;
        try {
            bits = Math.multiplyExact(new TensorInfo(dtype, shape, begin, end).elements(), dtype.bits());
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(where + "shape " + shape + " of " + dtype + " overflows a 64-bit byte count");
        }
        if (bits % 8 != 0) {
            throw new SafetensorsFormatException(where + "shape " + shape + " of " + dtype + " is " + bits
                    + " bits, not a whole number of bytes");
        }
        if (bits / 8 != end - begin) {
            throw new SafetensorsFormatException(where + "shape " + shape + " of " + dtype + " needs " + bits / 8
                    + " bytes but data_offsets " + offsets + " span " + (end - begin));
        }
        if (end > dataBytes) {
            throw new SafetensorsFormatException(where + "data_offsets " + offsets + " exceed the "
                    + dataBytes + "-byte data buffer");
        }
        return new TensorInfo(dtype, shape, begin, end);
    }

    private static JsonNode required(String where, JsonNode entry, String key) throws SafetensorsFormatException {
        JsonNode value = entry.get(key);
        if (value == null) throw new SafetensorsFormatException(where + "missing \"" + key + "\"");
        return value;
    }

    private static List<Long> unsignedIntegers(String where, String key, JsonNode node) throws SafetensorsFormatException {
        if (!node.isArray()) throw new SafetensorsFormatException(where + key + " must be an array, found " + kind(node));
        List<Long> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode v = node.get(i);
            String problem = !v.isIntegralNumber() ? "is not an integer"
                    : v.bigIntegerValue().signum() < 0 ? "is negative"
                    : !v.canConvertToLong() ? "is too large" : null;
            if (problem != null) throw new SafetensorsFormatException(where + key + "[" + i + "] = " + v + " " + problem);
            values.add(v.longValue());
        }
        return values;
    }

    /** Sorted by offset, the entries must cover [0, dataBytes) exactly once. */
    private static void checkTiling(Map<String, TensorInfo> tensors, long dataBytes) throws SafetensorsFormatException {
        List<Map.Entry<String, TensorInfo>> byOffset = new ArrayList<>(tensors.entrySet());
        byOffset.sort(Comparator.comparingLong((Map.Entry<String, TensorInfo> e) -> e.getValue().begin())
                .thenComparingLong(e -> e.getValue().end()));
        long covered = 0;
        String previous = null;
        for (Map.Entry<String, TensorInfo> e : byOffset) {
            TensorInfo info = e.getValue();
            if (info.begin() < covered) {
                throw new SafetensorsFormatException("tensors \"" + previous + "\" and \"" + e.getKey()
                        + "\" overlap: \"" + e.getKey() + "\" begins at byte " + info.begin()
                        + " before \"" + previous + "\" ends at byte " + covered);
            }
            if (info.begin() > covered) throw hole(covered, info.begin(), "before tensor \"" + e.getKey() + "\"");
            covered = info.end();
            previous = e.getKey();
        }
        if (covered < dataBytes) throw hole(covered, dataBytes, "at the end of the data buffer");
    }

    private static SafetensorsFormatException hole(long from, long to, String where) {
        return new SafetensorsFormatException("bytes [" + from + ", " + to + ") of the data buffer " + where
                + " belong to no tensor");
    }

    private static String kind(JsonNode node) {
        return node.isMissingNode() ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
