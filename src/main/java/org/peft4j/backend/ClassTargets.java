package org.peft4j.backend;

import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Checks of {@link Ops#crossEntropy}, shared by every backend. */
public final class ClassTargets {
    private ClassTargets() {}

    /**
     * One target per row of {@code logits}, each a class index or {@code ignoreIndex}; a scalar
     * {@code loss} and {@code dlogits} shaped like the logits.
     *
     * @return the number of rows whose target is not ignored
     */
    public static int check(Tensor logits, IntTensor targets, int ignoreIndex, Tensor loss, Tensor dlogits) {
        int n = logits.rows(), classes = logits.cols();
        if (targets.size() != n) {
            throw new ShapeException("crossEntropy: " + targets + " targets for " + n + " rows of logits " + Shapes.describe(logits));
        }
        Shapes.require("crossEntropy", "loss", loss, 1);
        Shapes.requireSameSize("crossEntropy", logits, dlogits);
        int counted = 0;
        for (int r = 0; r < n; r++) {
            int t = targets.data()[r];
            if (t == ignoreIndex) continue;
            if (t < 0 || t >= classes) {
                throw new IndexOutOfBoundsException("crossEntropy: target " + t + " at row " + r + " outside [0, " + classes + ")");
            }
            counted++;
        }
        return counted;
    }
}
