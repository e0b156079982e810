package org.peft4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The State of the Union corpus ({@link Dataset#SOTU}): 233 addresses, 1790–2021, read from
 * {@code data/<year>_<president>_<party>.json} ({@code {year, name, party, text}}).
 */
public final class Sotu {
    /** Share of speeches held out for validation. */
    public static final double VALIDATION_FRACTION = 0.1;

    private Sotu() {}

    /** All speeches, ordered by file name (year, then president). */
    public static List<Speech> load(DataDirectory directory) {
        Path data = directory.require(Dataset.SOTU).resolve("data");
        return DatasetFiles.list(data, ".json").stream().map(Sotu::speech).toList();
    }

    /**
     * Whole speeches, not character ranges: a seeded shuffle sends {@code round(0.1·n)} speeches
     * (23 of 233) to validation and the rest to train, so validation text is never seen in
     * training, not even as the start of the same speech. The test part is empty.
     */
    public static Split<Speech> split(List<Speech> speeches, long seed) {
        return Split.stratified(speeches, speech -> 0, VALIDATION_FRACTION, 0, seed);
    }

    static Speech speech(Path file) {
        JsonNode json = DatasetFiles.jsonObject(file);
        JsonNode year = json.get("year");
        if (year == null || !year.isInt()) {
            throw new MalformedDatasetException(file, "field \"year\" must be an integer, found " + year);
        }
        return new Speech(year.intValue(), text(file, json, "name"), text(file, json, "party"), text(file, json, "text"));
    }

    private static String text(Path file, JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual()) {
            throw new MalformedDatasetException(file, "field \"" + field + "\" must be a string, found " + value);
        }
        return value.textValue();
    }
}
