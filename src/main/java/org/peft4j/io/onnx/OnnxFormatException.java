package org.peft4j.io.onnx;

import java.io.IOException;

/** An input that is not a readable ONNX model; the message names the field or tensor at fault. */
public final class OnnxFormatException extends IOException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
