package org.peft4j.tensor;

/** A shape or size disagreement; the message names the operation and the shapes involved. */
public class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }
}
