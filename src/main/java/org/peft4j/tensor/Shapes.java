package org.peft4j.tensor;

import java.util.Arrays;

/** Shape arithmetic and the checks every operation uses, with messages that name the operation. */
public final class Shapes {
    private Shapes() {}

    /** Product of the dimensions; rejects negative dimensions and int overflow. */
    public static int size(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new ShapeException("negative dimension in " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new ShapeException("shape " + Arrays.toString(shape) + " exceeds 2^31-1 values");
        }
        return (int) n;
    }

    /** Throws unless {@code t} has exactly {@code shape}. */
    public static void require(String op, String what, Tensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ShapeException(op + ": " + what + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
    }

    /** Throws unless {@code a} and {@code b} hold the same number of values. */
    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new ShapeException(op + ": " + describe(a) + " vs " + describe(b) + " differ in size");
        }
    }

    /** Throws with both shapes named when {@code ok} is false. */
    public static void check(boolean ok, String op, String problem, Tensor a, Tensor b) {
        if (!ok) throw new ShapeException(op + ": " + problem + ": " + describe(a) + " vs " + describe(b));
    }

    public static String describe(Tensor t) {
        return (t.name() == null ? "" : t.name()) + Arrays.toString(t.shape());
    }
}
