package org.peft4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds hand-made dataset folders (marker included) under a temporary data directory. */
final class FetchedFolders {
    private FetchedFolders() {}

    /** {@code root/<id>/} marked as fetched at the pinned version, with {@code relative} created inside it. */
    static Path create(Path root, Dataset dataset, String relative) throws IOException {
        Path folder = root.resolve(dataset.id());
        Files.createDirectories(folder.resolve(relative));
        Files.writeString(folder.resolve(DataDirectory.MARKER), dataset.npmPackage() + "\n");
        return folder.resolve(relative);
    }
}
