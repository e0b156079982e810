package org.peft4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes curves (one series per name: x → y, e.g. steps → loss) as a PNG with XChart. */
public final class LossCurvePlot {
    private LossCurvePlot() {}

    /** A named curve: x (steps) and y (loss) of equal length. */
    public record Curve(List<? extends Number> steps, List<? extends Number> values) {
        /** The exponential moving average {@code m ← βm + (1 − β)v} (bias-corrected), for noisy per-step losses. */
        public Curve smoothed(double beta) {
            List<Double> out = new java.util.ArrayList<>();
            double m = 0;
            for (int i = 0; i < values.size(); i++) {
                m = beta * m + (1 - beta) * values.get(i).doubleValue();
                out.add(m / (1 - Math.pow(beta, i + 1)));
            }
            return new Curve(steps, out);
        }
    }

    public static void write(Path png, String title, String xLabel, String yLabel, Map<String, Curve> curves) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisMaxLabelCount(12);
        chart.getStyler().setYAxisDecimalPattern("#0.####");
        for (Map.Entry<String, Curve> e : curves.entrySet()) {
            if (e.getValue().steps().isEmpty()) continue;
            XYSeries s = chart.addSeries(e.getKey(), e.getValue().steps(), e.getValue().values());
            s.setMarker(e.getValue().steps().size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
