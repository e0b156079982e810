package org.peft4j.data;

import java.nio.file.Path;

/** A dataset file (or folder) that is missing, unreadable or not in the expected format; the message names it. */
public final class MalformedDatasetException extends DatasetException {
    private final Path file;

    MalformedDatasetException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    MalformedDatasetException(Path file, String problem) {
        this(file, problem, null);
    }

    public Path file() { return file; }
}
