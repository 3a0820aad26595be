package io.seedflow.jobs.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** Test accuracy against steps for one or more runs, written as CSV and as a PNG plot. */
public final class LearningCurve {
    /** One evaluation point. */
    public record Point(long step, long examples, double testAccuracy, double testLoss, double trainLoss,
            double elapsedSeconds) {
    }

    private final String name;
    private final List<Point> points = new ArrayList<>();

    public LearningCurve(String name) {
        this.name = name;
    }

    public void add(Point p) {
        points.add(p);
    }

    public List<Point> points() {
        return points;
    }

    public String name() {
        return name;
    }

    public Point last() {
        return points.get(points.size() - 1);
    }

    public void writeCsv(Path file) {
        StringBuilder sb = new StringBuilder("run,step,examples,test_accuracy,test_loss,train_loss,elapsed_s\n");
        for (Point p : points) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%d,%.5f,%.5f,%.5f,%.2f%n", name, p.step, p.examples,
                    p.testAccuracy, p.testLoss, p.trainLoss, p.elapsedSeconds));
        }
        try {
            Files.writeString(file, sb);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Reads a CSV written by {@link #writeCsv}; the run name is taken from its first row. */
    public static LearningCurve readCsv(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
        if (lines.isEmpty() || !lines.get(0).startsWith("run,step,")) {
            throw new IllegalArgumentException(file + " is not a learning-curve CSV (header run,step,...)");
        }
        LearningCurve c = null;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length < 7) {
                continue;
            }
            if (c == null) {
                c = new LearningCurve(f[0]);
            }
            c.add(new Point(Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6])));
        }
        if (c == null) {
            throw new IllegalArgumentException(file + " has no data rows");
        }
        return c;
    }

    /** Plots test accuracy vs step for all curves into one PNG. */
    public static void writePng(Path file, String title, List<LearningCurve> curves) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("step")
                .yAxisTitle("test accuracy").build();
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        for (LearningCurve c : curves) {
            if (c.points.isEmpty()) {
                continue;
            }
            double[] x = new double[c.points.size()];
            double[] y = new double[c.points.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = c.points.get(i).step;
                y[i] = c.points.get(i).testAccuracy;
            }
            XYSeries s = chart.addSeries(c.name, x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
