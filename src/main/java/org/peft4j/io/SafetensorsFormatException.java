package org.peft4j.io;

import java.io.IOException;

/**
 * A safetensors file or byte array that breaks the format; the message names the offending
 * tensor, key or byte range. It is an {@link IOException}: a corrupt file is an input problem
 * that callers of {@link Safetensors#read} already handle, and it needs no separate catch.
 */
public class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
