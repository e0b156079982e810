package org.peft4j.peft;

import org.peft4j.backend.Transpose;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.nn.DenseWeight;
import org.peft4j.tensor.Tensor;

/** Host-side matrix updates used when adapters are created or merged (not on the training path), and the checks methods share. */
final class Adapters {
    private Adapters() {}

    /** {@code w −= s·b·a}. */
    static void subtractScaledProduct(Tensor w, float s, Tensor b, Tensor a) {
        try (JvmBackend ops = new JvmBackend(1)) {
            ops.gemm(Transpose.N, Transpose.N, -s, b, a, 1f, w);
        }
    }

    /** Rejects an {@code init_lora_weights} other than the method's own initialisation. */
    static void requireDefaultInit(AdapterSite site, String method) {
        String init = site.config().init();
        if (!init.equals("default") && !init.equals("true")) {
            throw new IllegalArgumentException(method + " has its own initialisation; init_lora_weights '" + init + "' does not apply");
        }
    }

    /**
     * Rejects what random projections shared by every layer cannot honour: a per-module rank
     * ({@code rank_pattern}) and rsLoRA scaling, which the method does not define.
     */
    static void requireSharedRank(AdapterSite site, String method) {
        if (site.rank() != site.config().r()) {
            throw new IllegalArgumentException(method + " shares one set of projections of rank " + site.config().r()
                    + " across layers; rank_pattern gives " + site.module() + " rank " + site.rank());
        }
        if (site.config().useRslora()) throw new IllegalArgumentException(method + " does not define rsLoRA scaling (use_rslora)");
    }

    /** {@code w −= delta} (same size). */
    static void subtract(Tensor w, Tensor delta) {
        for (int i = 0; i < w.size(); i++) w.put(i, w.at(i) - delta.at(i));
    }

    /** A new {@code s·x·y}. */
    static Tensor scaledProduct(float s, Tensor x, Tensor y) {
        Tensor out = Tensor.zeros(x.rows(), y.cols());
        try (JvmBackend ops = new JvmBackend(1)) {
            ops.gemm(Transpose.N, Transpose.N, s, x, y, 0f, out);
        }
        return out;
    }

    /** The dense base weight [out, in] of the site's layer, which {@code method} decomposes. */
    static Tensor denseWeight(AdapterSite site, String method) {
        if (!(site.linear().weight() instanceof DenseWeight dense)) {
            throw new IllegalArgumentException(site.module() + ": " + method + " needs a dense base weight, not "
                    + site.linear().weight().getClass().getSimpleName());
        }
        return dense.dense();
    }

    /** Columns {@code [from, to)} of the matrix {@code m}, copied. */
    static Tensor columns(Tensor m, int from, int to) {
        int rows = m.rows(), cols = m.cols(), width = to - from;
        Tensor out = Tensor.zeros(rows, width);
        for (int i = 0; i < rows; i++) for (int j = 0; j < width; j++) out.put(i * width + j, m.at(i * cols + from + j));
        return out;
    }

    /** {@code diag(s)·m}: row k of m times s[k], copied. */
    static Tensor scaleRows(Tensor s, Tensor m) {
        int cols = m.cols();
        Tensor out = Tensor.zeros(m.rows(), cols);
        for (int i = 0; i < out.size(); i++) out.put(i, s.at(i / cols) * m.at(i));
        return out;
    }

    /** The [r, r] matrix {@code factor·diag(v)}. */
    static Tensor diagonal(Tensor v, float factor) {
        int r = v.size();
        Tensor m = Tensor.zeros(r, r);
        for (int k = 0; k < r; k++) m.put(k * r + k, factor * v.at(k));
        return m;
    }

    /** A whole-number option in {@code [min, max]}, {@code fallback} when absent. */
    static int intOption(AdapterSite site, String key, int fallback, int min, int max) {
        double value = site.config().option(key, fallback);
        if (value != Math.rint(value) || value < min || value > max) {
            throw new IllegalArgumentException(site.module() + ": option " + key + " must be a whole number in [" + min + ", " + max
                    + "], got " + value);
        }
        return (int) value;
    }
}
