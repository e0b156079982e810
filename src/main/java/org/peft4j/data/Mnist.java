package org.peft4j.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * 10,000 MNIST digits ({@link Dataset#MNIST}): {@code src/digits/<d>.json} is {@code {"data": [...]}},
 * the 784 pixels of each image of digit d one after another, already scaled to [0, 1].
 */
public final class Mnist {
    public static final int SIDE = 28;
    public static final int PIXELS = SIDE * SIDE;
    public static final double VALIDATION_FRACTION = 0.1;
    public static final double TEST_FRACTION = 0.1;

    private Mnist() {}

    /** All digits: the 0s in file order, then the 1s, ..., then the 9s. */
    public static List<Digit> load(DataDirectory directory) {
        Path digits = directory.require(Dataset.MNIST).resolve("src").resolve("digits");
        var all = new ArrayList<Digit>();
        for (int label = 0; label <= 9; label++) {
            float[] values = digitFile(digits.resolve(label + ".json"));
            for (int start = 0; start < values.length; start += PIXELS) {
                all.add(new Digit(Arrays.copyOfRange(values, start, start + PIXELS), label));
            }
        }
        return List.copyOf(all);
    }

    /** 80/10/10 train/validation/test, stratified by digit. */
    public static Split<Digit> split(List<Digit> digits, long seed) {
        return Split.stratified(digits, Digit::label, VALIDATION_FRACTION, TEST_FRACTION, seed);
    }

    /** The pixels of one digit file, a whole number of images. */
    static float[] digitFile(Path file) {
        float[] values = DatasetFiles.read(file, Mnist::pixelData);
        if (values.length % PIXELS != 0) {
            throw new MalformedDatasetException(file, "\"data\" holds " + values.length
                    + " values, not a multiple of " + PIXELS);
        }
        return values;
    }

    /** The {@code "data"} array of a digit file, streamed (each file holds about 800,000 numbers). */
    private static float[] pixelData(Path file) throws IOException {
        try (JsonParser parser = DatasetFiles.jsonFactory().createParser(Files.newInputStream(file))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedDatasetException(file, "expected a JSON object");
            }
            float[] values = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("data")) values = pixels(parser, file);
                else parser.skipChildren();
            }
            if (values == null) throw new MalformedDatasetException(file, "no \"data\" array");
            return values;
        }
    }

    private static float[] pixels(JsonParser parser, Path file) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new MalformedDatasetException(file, "\"data\" is not an array");
        }
        float[] values = new float[1 << 20];
        int count = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new MalformedDatasetException(file, "data[" + count + "] is " + token + ", not a number");
            }
            float value = parser.getFloatValue();
            if (!(value >= 0 && value <= 1)) {
                throw new MalformedDatasetException(file, "data[" + count + "] = " + value + " is outside [0, 1]");
            }
            if (count == values.length) values = Arrays.copyOf(values, 2 * count);
            values[count++] = value;
        }
        return Arrays.copyOf(values, count);
    }
}
