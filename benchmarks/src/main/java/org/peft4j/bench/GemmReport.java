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
 * GFLOP/s per row, as a percentage of the measured {@link FmaPeakBenchmark} rate for the same
 * thread count, and peft4j's speed-up over EJML on the same shape and threads.
 *
 * <pre>java -cp benchmarks.jar org.peft4j.bench.GemmReport target/gemm-results.json</pre>
 */
public final class GemmReport {
    private record Row(String library, String shape, int threads, double microsPerOp, double gflops) {}

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
            double micros = toMicros(metric.get("score").asDouble(), metric.get("scoreUnit").asText());
            int jmhThreads = r.get("threads").asInt();
            JsonNode params = r.path("params");
            if (benchmark.contains("FmaPeakBenchmark")) {
                // Average time per call per thread: the summed rate counts every thread's calls.
                double gflops = jmhThreads * FmaPeakBenchmark.FLOPS_PER_OP / micros / 1e3;
                peak.put(jmhThreads, gflops);
                rows.add(new Row("FMA peak probe", "-", jmhThreads, micros, gflops));
                continue;
            }
            GemmShape shape = GemmShape.parse(params.get("shape").asText());
            int threads = params.has("threads") ? params.get("threads").asInt() : jmhThreads;
            String library = benchmark.contains("Ejml") ? "EJML" : benchmark.contains("Naive") ? "naive loop" : "peft4j";
            rows.add(new Row(library, params.get("shape").asText(), threads, micros, shape.flops() / micros / 1e3));
        }
        System.out.println("| library | shape (op_MxKxN) | threads | µs/op | GFLOP/s | % of FMA peak | × EJML |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            Double ceiling = peak.get(row.threads());
            String ofPeak = ceiling == null ? "-" : String.format("%.0f%%", 100 * row.gflops() / ceiling);
            String vsEjml = "-";
            if (row.library().equals("peft4j")) {
                for (Row other : rows) {
                    if (other.library().equals("EJML") && other.shape().equals(row.shape()) && other.threads() == row.threads()) {
                        vsEjml = String.format("%.1f×", row.gflops() / other.gflops());
                    }
                }
            }
            System.out.printf("| %s | %s | %d | %.0f | %.1f | %s | %s |%n",
                    row.library(), row.shape(), row.threads(), row.microsPerOp(), row.gflops(), ofPeak, vsEjml);
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
