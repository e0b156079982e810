package org.peft4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The folder that holds fetched datasets, resolved as {@code scripts/fetch-data} resolves it:
 * system property {@value #PROPERTY}, else environment variable {@value #ENVIRONMENT}, else
 * {@code ~/.cache/peft4j/data} (the script takes {@code --dest DIR} where Java takes the property).
 */
public record DataDirectory(Path root) {
    public static final String PROPERTY = "peft4j.data";
    public static final String ENVIRONMENT = "PEFT4J_DATA";
    static final String MARKER = ".fetched";

    public DataDirectory {
        root = root.toAbsolutePath().normalize();
    }

    /** The data directory of this JVM: property, environment, then the default under the home folder. */
    public static DataDirectory resolve() {
        return resolve(System::getProperty, System::getenv);
    }

    static DataDirectory resolve(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        String property = properties.apply(PROPERTY);
        return property != null && !property.isBlank()
                ? new DataDirectory(Path.of(property))
                : new DataDirectory(scriptDefault(properties, environment));
    }

    /** Where {@code scripts/fetch-data} puts datasets when run without {@code --dest}. */
    private static Path scriptDefault(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        String variable = environment.apply(ENVIRONMENT);
        return variable != null && !variable.isBlank()
                ? Path.of(variable)
                : Path.of(properties.apply("user.home"), ".cache", "peft4j", "data");
    }

    /**
     * The folder of a fetched {@code dataset}.
     *
     * @throws MissingDatasetException if it was not fetched here, or was fetched at another version
     */
    public Path require(Dataset dataset) {
        Path folder = root.resolve(dataset.id());
        Path marker = folder.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            throw new MissingDatasetException(dataset, "is not in " + folder, fetchCommand(dataset));
        }
        String fetched;
        try {
            fetched = Files.readString(marker, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new MalformedDatasetException(marker, "cannot read the fetch marker", e);
        }
        if (!fetched.equals(dataset.npmPackage())) {
            throw new MissingDatasetException(dataset, "in " + folder + " was fetched as " + fetched,
                    fetchCommand(dataset));
        }
        return folder;
    }

    /** The command, run from the repository root, that fetches {@code dataset} into this directory. */
    public String fetchCommand(Dataset dataset) {
        boolean scriptFindsRoot = root.equals(
                new DataDirectory(scriptDefault(System::getProperty, System::getenv)).root());
        return "scripts/fetch-data " + (scriptFindsRoot ? "" : "--dest " + shellWord(root.toString()) + " ")
                + dataset.id();
    }

    private static String shellWord(String text) {
        return text.matches("[A-Za-z0-9_./+-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
    }
}
