package org.peft4j.train;

/** Training produced a non-finite loss or gradient; the message names the step and the first offending parameter. */
public final class TrainingDivergedException extends RuntimeException {
    private final long step;

    public TrainingDivergedException(long step, String message) {
        super("step " + step + ": " + message + " (training stopped; the last checkpoint was kept as it was)");
        this.step = step;
    }

    public long step() { return step; }
}
