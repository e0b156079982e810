package org.peft4j.text;

import java.io.IOException;

/** A tokenizer.json this tokenizer cannot use; the message names the field and what was expected. */
public final class TokenizerFormatException extends IOException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
