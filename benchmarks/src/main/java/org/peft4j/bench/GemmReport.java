package org.peft4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a JMH JSON result file ({@code -rf json}) of the GEMM benchmarks into a Markdown table:
 * GFLOP/s per row from the mean time and from the fastest measurement iteration, the fastest as
 * a percentage of the fastest {@link FmaPeakBenchmark} iteration for the same thread count (on a
 * shared machine the fastest iterations are the least disturbed ones), and peft4j's speed-up
 * over EJML on the same shape and threads (means).
 *
 * <pre>java -cp benchmarks.jar org.peft4j.bench.GemmReport target/gemm-results.json</pre>
 */
public final class GemmReport {
    private record Row(String library, String shape, int threads, double microsPerOp, double gflops, double bestGflops) {}

    private GemmReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: GemmReport <jmh-results.json>");
            System.exit(2);
        }
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        Map<Integer, Double> peak = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : results) {
            String benchmark = r.get("benchmark").asText();
            JsonNode metric = r.get("primaryMetric");
            String unit = metric.get("scoreUnit").asText();
            double micros = toMicros(metric.get("score").asDouble(), unit);
            double bestMicros = micros;
            for (JsonNode fork : metric.path("rawData")) {
                for (JsonNode iteration : fork) bestMicros = Math.min(bestMicros, toMicros(iteration.asDouble(), unit));
            }
            int jmhThreads = r.get("threads").asInt();
            JsonNode params = r.path("params");
            String library;
            String shape;
            int threads;
            double flops;
            if (benchmark.contains("FmaPeakBenchmark")) {
                // Average time per call per thread: the summed rate counts every thread's calls.
                library = "FMA peak probe";
                shape = "-";
                threads = jmhThreads;
                flops = (double) jmhThreads * FmaPeakBenchmark.FLOPS_PER_OP;
            } else {
                library = benchmark.contains("Ejml") ? "EJML" : benchmark.contains("Naive") ? "naive loop" : "peft4j";
                shape = params.get("shape").asText();
                threads = params.has("threads") ? params.get("threads").asInt() : jmhThreads;
                flops = GemmShape.parse(shape).flops();
            }
            Row row = new Row(library, shape, threads, micros, flops / micros / 1e3, flops / bestMicros / 1e3);
            if (library.equals("FMA peak probe")) peak.put(threads, row.bestGflops());
            rows.add(row);
        }
        System.out.println("| library | shape (op_MxKxN) | threads | mean µs/op | GFLOP/s (mean) | GFLOP/s (best) | best % of FMA peak | × EJML |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            Double ceiling = peak.get(row.threads());
            String ofPeak = ceiling == null ? "-" : String.format("%.0f%%", 100 * row.bestGflops() / ceiling);
            String vsEjml = "-";
            if (row.library().equals("peft4j")) {
                for (Row other : rows) {
                    if (other.library().equals("EJML") && other.shape().equals(row.shape()) && other.threads() == row.threads()) {
                        vsEjml = String.format("%.1f×", row.gflops() / other.gflops());
                    }
                }
            }
            System.out.printf("| %s | %s | %d | %.0f | %.1f | %.1f | %s | %s |%n",
                    row.library(), row.shape(), row.threads(), row.microsPerOp(), row.gflops(), row.bestGflops(), ofPeak, vsEjml);
        }
    }

    private static double toMicros(double score, String unit) {
        return switch (unit) {
            case "ns/op" -> score / 1e3;
            case "us/op" -> score;
            case "ms/op" -> score * 1e3;
            case "s/op" -> score * 1e6;
            default -> throw new IllegalArgumentException("unexpected JMH score unit " + unit + " (run in AverageTime mode)");
        };
    }
}
