package org.peft4j.train;

import java.time.Duration;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long loop: a progress bar when the console is a terminal, else one log line per
 * tenth of the work ({@code features: 1210/6046 (20%), 41.3/s, 1m57s left}), which stays
 * readable in files and CI logs.
 */
public final class ProgressReport implements AutoCloseable {
    private static final int LINES = 10;
    private final String task;
    private final long total;
    private final Consumer<String> log;
    private final ProgressBar bar;
    private final long began = System.nanoTime();
    private long reportedTenth;

    private ProgressReport(String task, long total, Consumer<String> log, boolean terminal) {
        this.task = task;
        this.total = total;
        this.log = log;
        this.bar = terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate().build() : null;
    }

    /** Reports on the terminal if there is one, else through {@code log}. */
    public static ProgressReport start(String task, long total, Consumer<String> log) {
        var console = System.console();
        return new ProgressReport(task, total, log, console != null && console.isTerminal());
    }

    /** Reports only through {@code log} (one line per tenth), never drawing a bar. */
    public static ProgressReport lines(String task, long total, Consumer<String> log) {
        return new ProgressReport(task, total, log, false);
    }

    /** Records that {@code done} of the total units are finished. */
    public void stepTo(long done) {
        if (bar != null) {
            bar.stepTo(done);
            return;
        }
        long tenth = total == 0 ? LINES : done * LINES / total;
        if (tenth <= reportedTenth) return;
        reportedTenth = tenth;
        double seconds = (System.nanoTime() - began) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        Duration left = Duration.ofSeconds(Math.round((total - done) / Math.max(rate, 1e-9)));
        log.accept(String.format("%s: %d/%d (%d%%), %.1f/s, %s left", task, done, total, done * 100 / Math.max(total, 1), rate,
                format(left)));
    }

    private static String format(Duration d) {
        return d.toHours() > 0 ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : d.toMinutes() > 0 ? String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart()) : d.toSeconds() + "s";
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
