package org.peft4j.optim;

/** A saved optimizer state that does not fit the optimizer it is loaded into. */
public class OptimizerStateException extends IllegalArgumentException {
    public OptimizerStateException(String message) {
        super(message);
    }
}
