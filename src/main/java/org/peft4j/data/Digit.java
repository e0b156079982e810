package org.peft4j.data;

/** One MNIST image: {@code pixels[row·28 + column]} in [0, 1] (not copied) and the digit 0–9 it shows. */
public record Digit(float[] pixels, int label) {
    public Digit {
        if (pixels.length != Mnist.PIXELS) {
            throw new IllegalArgumentException("a digit has " + Mnist.PIXELS + " pixels, got " + pixels.length);
        }
        if (label < 0 || label > 9) {
            throw new IllegalArgumentException("a digit label is 0..9, got " + label);
        }
    }
}
