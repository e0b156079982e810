package org.peft4j.peft.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A saved adapter directory that peft4j cannot read or honour: malformed or mistyped JSON, a PEFT
 * feature peft4j does not implement, an unknown {@code peft_type}, a tensor of the wrong dtype.
 * The message starts with the offending file.
 */
public final class AdapterFormatException extends IOException {
    private final Path file;

    public AdapterFormatException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public AdapterFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() { return file; }
}
