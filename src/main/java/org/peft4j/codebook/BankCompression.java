package org.peft4j.codebook;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * Memory-bank compression measured: the bank (minus {@code queries} held-out query documents) is
 * stored as codebook indices by each method, and each result reports its bytes, the relative
 * reconstruction error {@code Σ‖x − x̂‖² / Σ‖x‖²}, recall@10 of the held-out queries' nearest
 * neighbours, and the share of dead codes (codes no bank vector is assigned to). Methods:
 * <pre>
 *   kmeans      k-means++ / Lloyd, {@code stages} residual stages
 *   vq-reset    the online {@link VectorQuantizer} (SGD over shuffled minibatches) with the dead-code reset
 *   vq          the same without the reset
 * </pre>
 */
public final class BankCompression {
    private BankCompression() {}

    public record Settings(List<Integer> codebookSizes, int residualStages, int queries, int recallK, int kmeansIterations,
                           int vqEpochs, int vqBatch, long seed) {
        public static Settings defaults() {
            return new Settings(List.of(16, 64, 256), 2, 200, 10, 25, 30, 64, 42);
        }
    }

    /** One compressed bank: its method, codebook size, stages, bytes and quality. */
    public record Row(String method, int codes, int stages, long bytes, long originalBytes, double reconstructionError,
                      double recall, double deadFraction) {
        public double ratio() { return (double) originalBytes / bytes; }

        /** The method with its stage count where it has stages, e.g. {@code kmeans ×2}. */
        public String label() { return method.equals("kmeans") ? method + " ×" + stages : method; }
    }

    public static List<Row> run(Ops ops, Tensor vectors, Settings s, Consumer<String> log) {
        int n = vectors.rows(), d = vectors.cols();
        if (s.queries() < 1 || s.queries() >= n) throw new IllegalArgumentException("queries must lie in [1, " + (n - 1) + "], got " + s.queries());
        Tensor bank = vectors.rows(0, n - s.queries()).copy();
        Tensor queries = vectors.rows(n - s.queries(), n).copy();
        long originalBytes = 4L * bank.size();
        List<Row> rows = new ArrayList<>();
        for (int k : s.codebookSizes()) {
            if (k > bank.rows()) throw new IllegalArgumentException("codebook size " + k + " exceeds the bank's " + bank.rows() + " vectors");
            for (int stages = 1; stages <= s.residualStages(); stages++) {
                ResidualCodes codes = ResidualCodes.fit(ops, bank, k, stages, s.kmeansIterations(), s.seed());
                rows.add(row("kmeans", k, codes, ops, bank, queries, originalBytes, s));
                log.accept(describe(rows.getLast()));
            }
            for (boolean reset : new boolean[] {true, false}) {
                VectorQuantizer vq = trainOnline(ops, bank, VectorQuantizer.Settings.defaults(k).withReset(reset), s);
                ResidualCodes codes = ResidualCodes.encode(ops, bank, List.of(vq.codebook()));
                rows.add(row(reset ? "vq-reset" : "vq", k, codes, ops, bank, queries, originalBytes, s));
                log.accept(describe(rows.getLast()) + (reset ? ", " + vq.resets() + " resets" : ""));
            }
        }
        return rows;
    }

    /** {@code epochs} passes of shuffled minibatches of {@code bank} through {@link VectorQuantizer#trainStep}. */
    static VectorQuantizer trainOnline(Ops ops, Tensor bank, VectorQuantizer.Settings vs, Settings s) {
        VectorQuantizer vq = new VectorQuantizer(vs.withSeed(s.seed()), bank.cols());
        int batch = Math.min(s.vqBatch(), bank.rows());
        VectorQuantizer.Pass pass = vq.pass(batch);
        Tensor x = Tensor.zeros(batch, bank.cols()), dx = Tensor.zeros(batch, bank.cols());
        SplittableRandom rng = new SplittableRandom(s.seed());
        int[] order = java.util.stream.IntStream.range(0, bank.rows()).toArray();
        for (int epoch = 0; epoch < s.vqEpochs(); epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from + batch <= order.length; from += batch) {
                for (int r = 0; r < batch; r++) x.rows(r, r + 1).copyFrom(bank.rows(order[from + r], order[from + r] + 1));
                vq.trainStep(ops, x, pass, dx);
            }
        }
        return vq;
    }

    private static Row row(String method, int k, ResidualCodes codes, Ops ops, Tensor bank, Tensor queries, long originalBytes,
                           Settings s) {
        Tensor decoded = codes.decode(ops);
        double error = 0, norm = 0;
        for (int i = 0; i < bank.size(); i++) {
            double diff = bank.at(i) - decoded.at(i);
            error += diff * diff;
            norm += (double) bank.at(i) * bank.at(i);
        }
        double recall = NeighbourRecall.recallAtK(ops, queries, bank, decoded, s.recallK());
        return new Row(method, k, codes.codebooks().size(), codes.bytes(), originalBytes, error / norm, recall,
                deadFraction(codes.codes().getFirst(), k));
    }

    /** Share of the {@code k} codes that no row is assigned to. */
    static double deadFraction(IntTensor codes, int k) {
        boolean[] used = new boolean[k];
        for (int c : codes.data()) used[c] = true;
        int dead = 0;
        for (boolean u : used) if (!u) dead++;
        return (double) dead / k;
    }

    static String describe(Row r) {
        return String.format("%s K=%d stages=%d: %,d bytes (%.1f×), error %.4f, recall@10 %.3f, dead codes %.1f%%", r.method(),
                r.codes(), r.stages(), r.bytes(), r.ratio(), r.reconstructionError(), r.recall(), 100 * r.deadFraction());
    }

    /** The rows as a Markdown table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| method | K | stages | bytes | ratio | rel. reconstruction error | recall@10 | dead codes |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format("| %s | %d | %d | %,d | %.1f× | %.4f | %.3f | %.1f%% |%n", r.method(), r.codes(), r.stages(), r.bytes(),
                    r.ratio(), r.reconstructionError(), r.recall(), 100 * r.deadFraction()));
        }
        return sb.toString();
    }

}
