package io.seedflow.jobs.study;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** Writes the study's CSVs, the markdown summary (mean ± standard deviation over seeds) and the PNG curves. */
public final class StudyReport {
    private StudyReport() {
    }

    static void writeCurves(Path file, List<QualityStudy.Point> points) {
        StringBuilder sb = new StringBuilder("method,seed,step,events,forwards,accuracy,drifted\n");
        for (QualityStudy.Point p : points) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%.4f,%b%n", p.method(), p.seed(), p.step(),
                    p.events(), p.forwards(), p.accuracy(), p.drifted()));
        }
        write(file, sb.toString());
    }

    static void writeSummaryCsv(Path file, List<QualityStudy.RunSummary> runs) {
        StringBuilder sb = new StringBuilder("method,seed,before_drift,after_drift,final,recovery_forwards,seconds\n");
        for (QualityStudy.RunSummary r : runs) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%.4f,%.4f,%.4f,%d,%.1f%n", r.method(), r.seed(),
                    r.beforeDrift(), r.afterDrift(), r.finalAccuracy(), r.recoveryForwards(), r.seconds()));
        }
        write(file, sb.toString());
    }

    /** Markdown table: one row per method, mean ± sd over seeds; recovery in millions of example-forwards. */
    static String markdown(List<QualityStudy.RunSummary> runs, double recoveryFraction) {
        Map<String, List<QualityStudy.RunSummary>> by = new LinkedHashMap<>();
        runs.forEach(r -> by.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r));
        StringBuilder sb = new StringBuilder();
        sb.append("| method | seeds | accuracy before drift | just after drift | final | recovery to ")
                .append(Math.round(recoveryFraction * 100)).append("% of before (M forwards) | not recovered | s/run |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (var e : by.entrySet()) {
            List<QualityStudy.RunSummary> rs = e.getValue();
            List<Double> recovered = new ArrayList<>();
            for (var r : rs) {
                if (r.recoveryForwards() >= 0) {
                    recovered.add(r.recoveryForwards() / 1e6);
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %d | %.0f |%n", e.getKey(), rs.size(),
                    pct(rs.stream().map(QualityStudy.RunSummary::beforeDrift).toList()),
                    pct(rs.stream().map(QualityStudy.RunSummary::afterDrift).toList()),
                    pct(rs.stream().map(QualityStudy.RunSummary::finalAccuracy).toList()),
                    recovered.isEmpty() ? "–" : meanSd(recovered, 2), rs.size() - recovered.size(),
                    rs.stream().mapToDouble(QualityStudy.RunSummary::seconds).average().orElse(0)));
        }
        return sb.toString();
    }

    private static String pct(List<Double> values) {
        return meanSd(values.stream().map(v -> v * 100).toList(), 1) + "%";
    }

    /** {@code mean ± sd} (sample standard deviation) with {@code digits} decimals. */
    public static String meanSd(List<Double> v, int digits) {
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
        String f = "%." + digits + "f";
        return String.format(Locale.ROOT, f + " ± " + f, mean, Math.sqrt(var));
    }

    /** Mean accuracy over seeds per method against example-forward passes. */
    static void writePng(Path file, List<QualityStudy.Point> points, String title) {
        Map<String, TreeMap<Long, List<Double>>> by = new LinkedHashMap<>();
        for (var p : points) {
            by.computeIfAbsent(p.method(), k -> new TreeMap<>()).computeIfAbsent(p.forwards(), k -> new ArrayList<>())
                    .add(p.accuracy());
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (var e : by.entrySet()) {
            double[][] xy = new double[2][e.getValue().size()];
            int i = 0;
            for (var f : e.getValue().entrySet()) {
                xy[0][i] = f.getKey() / 1e6;
                xy[1][i++] = f.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0);
            }
            series.put(e.getKey(), xy);
        }
        writeLinePng(file, title, "example-forward passes (millions)", "test accuracy (current labels)", series);
    }

    /** A line chart, y in [0, 1]: one line per entry, {@code xy[0]} the x values and {@code xy[1]} the y values. */
    public static void writeLinePng(Path file, String title, String xTitle, String yTitle,
            Map<String, double[][]> series) {
        XYChart chart = new XYChartBuilder().width(1000).height(600).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        for (var e : series.entrySet()) {
            XYSeries s = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    public static void write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
