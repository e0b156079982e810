package org.peft4j.backend.jvm;

import org.peft4j.tensor.Shapes;
import org.peft4j.tensor.Tensor;

/** Elementwise arithmetic, bias broadcast and its gradient. */
final class Elementwise {
    private Elementwise() {}

    @FunctionalInterface
    interface Binary {
        float apply(float a, float b);
    }

    static void zip(Parallel pool, String op, Tensor a, Tensor b, Tensor out, Binary f) {
        Shapes.requireSameSize(op, a, b);
        Shapes.requireSameSize(op, a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        pool.forRange(a.size(), a.size(), (from, to) -> {
            for (int i = from; i < to; i++) od[oo + i] = f.apply(ad[ao + i], bd[bo + i]);
        });
    }

    static void addBias(Parallel pool, Tensor x, Tensor bias) {
        int n = x.cols();
        Shapes.require("addBias", "bias", bias, n);
        float[] xd = x.data();
        int xo = x.offset();
        pool.forRange(x.rows(), x.size(), (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int j = 0; j < n; j++) xd[xo + r * n + j] += bias.at(j);
            }
        });
    }

    static void biasGradient(Tensor dy, Tensor dbias) {
        int n = dy.cols();
        Shapes.require("biasGradient", "dbias", dbias, n);
        float[] acc = new float[n];
        for (int r = 0; r < dy.rows(); r++) {
            for (int j = 0; j < n; j++) acc[j] += dy.at(r * n + j);
        }
        for (int j = 0; j < n; j++) dbias.put(j, dbias.at(j) + acc[j]);
    }
}
