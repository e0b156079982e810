package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Whole-tensor reductions into a one-element tensor, accumulated in double. */
final class Reductions {
    private Reductions() {}

    static void sum(Tensor x, Tensor out) {
        Shapes.require("sum", "out", out, 1);
        double s = 0;
        for (int i = 0; i < x.size(); i++) s += x.at(i);
        out.put(0, (float) s);
    }

    static void sumOfSquares(Tensor x, Tensor out) {
        Shapes.require("sumOfSquares", "out", out, 1);
        double s = 0;
        for (int i = 0; i < x.size(); i++) s += (double) x.at(i) * x.at(i);
        out.put(0, (float) s);
    }

    static void max(Tensor x, Tensor out) {
        Shapes.require("max", "out", out, 1);
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < x.size(); i++) m = Math.max(m, x.at(i));
        out.put(0, m);
    }
}
