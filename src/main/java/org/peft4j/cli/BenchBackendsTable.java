package org.peft4j.cli;

import java.util.List;
import org.peft4j.bench.BackendComparison;

/** Prints {@link BackendComparison} rows as one Markdown table: per backend, median ms, and for devices the copy and kernel ms. */
final class BenchBackendsTable {
    private BenchBackendsTable() {}

    static void print(List<String> backends, List<BackendComparison.Row> rows) {
        StringBuilder head = new StringBuilder("| case |"), rule = new StringBuilder("|---|");
        for (String b : backends) {
            head.append(" ").append(b).append(" ms |");
            rule.append("---|");
            if (!b.equals("jvm")) {
                head.append(" ").append(b).append(" copies ms | ").append(b).append(" kernels ms |");
                rule.append("---|---|");
            }
        }
        System.out.println(head);
        System.out.println(rule);
        for (BackendComparison.Row r : rows) {
            StringBuilder line = new StringBuilder("| " + r.name() + " |");
            for (String b : backends) {
                BackendComparison.Measurement m = r.byBackend().get(b);
                line.append(String.format(" %.3f |", m.timing().medianSeconds() * 1e3));
                if (!b.equals("jvm")) line.append(String.format(" %.3f | %.3f |", m.transferSeconds() * 1e3, m.deviceKernelSeconds() * 1e3));
            }
            System.out.println(line);
        }
    }
}
