package io.seedflow.jobs.embedded;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.PrequentialScore;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.jobs.study.StudyReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The learning curve of a demo stream: the trainer's prequential F1 (each example scored by the weights before they
 * trained on it, over the newest {@code window} examples) as sampled along the stream, against the frozen starting
 * model's on the same examples in the same window, which {@link #write} computes at the end from the streamed
 * examples and the base snapshot's weights. Written as CSV and PNG.
 */
public final class PrequentialCurve {
    /** One sample of the trainer's scores after {@code examples} examples. */
    public record Point(long examples, double f1, double accuracy) {
    }

    /** Where the curves end: the trainer's and the frozen model's scores over the window and over all examples. */
    public record Result(long examples, double f1, double frozenF1, double accuracy, double frozenAccuracy,
            double frozenF1Total, double frozenAccuracyTotal) {
    }

    private static final int CHUNK = 32;
    private final List<Point> points = new ArrayList<>();

    /** Adds a sample of the trainer's window scores; ignored unless it is past the last one and scored. */
    void add(long examples, double f1, double accuracy) {
        if (examples > 0 && !Double.isNaN(accuracy)
                && (points.isEmpty() || examples > points.get(points.size() - 1).examples())) {
            points.add(new Point(examples, f1, accuracy));
        }
    }

    List<Point> points() {
        return List.copyOf(points);
    }

    /** Examples at the last sample, 0 before the first. */
    long examples() {
        return points.isEmpty() ? 0 : points.get(points.size() - 1).examples();
    }

    /**
     * Scores the first {@link #examples()} of {@code streamed} with {@code frozen} (test only, nothing trained) in
     * windows of {@code window}, and writes both curves to {@code csv} and {@code png}; progress goes to {@code out}.
     */
    Result write(Model model, ParameterSet frozen, LabeledDataset streamed, int window, Path csv, Path png,
            PrintStream out) {
        int n = (int) Math.min(examples(), streamed.count());
        PrequentialScore score = new PrequentialScore(streamed.classes(), window);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        StringBuilder rows = new StringBuilder("examples,f1,accuracy,frozen_f1,frozen_accuracy\n");
        double[][] fineTuned = new double[2][];
        double[][] frozenCurve = new double[2][];
        List<double[]> kept = new ArrayList<>();
        int next = 0;
        long reportEvery = Math.max(CHUNK, n / 5 / CHUNK * CHUNK);
        for (int from = 0; from < n; from += CHUNK) {
            int size = Math.min(CHUNK, n - from);
            Batch b = streamed.batch(order, from, size);
            int[] predicted = model.predict(frozen, b);
            for (int i = 0; i < size; i++) {
                score.add(predicted[i], b.labels()[i]);
                long seen = from + i + 1;
                while (next < points.size() && points.get(next).examples() == seen) {
                    Point p = points.get(next++);
                    kept.add(new double[] {p.examples(), p.f1(), p.accuracy(), score.window().f1(),
                            score.window().accuracy()});
                }
            }
            if ((from + size) % reportEvery == 0 && from + size < n) {
                out.printf("  frozen starting model: %,d of %,d mails scored%n", from + size, n);
            }
        }
        fineTuned[0] = new double[kept.size()];
        fineTuned[1] = new double[kept.size()];
        frozenCurve[0] = fineTuned[0];
        frozenCurve[1] = new double[kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            double[] k = kept.get(i);
            rows.append(String.format(Locale.ROOT, "%d,%.4f,%.4f,%.4f,%.4f%n", (long) k[0], k[1], k[2], k[3], k[4]));
            fineTuned[0][i] = k[0];
            fineTuned[1][i] = nanAsZero(k[1]);
            frozenCurve[1][i] = nanAsZero(k[3]);
        }
        StudyReport.write(csv, rows.toString());
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("fine-tuned on the stream (trainer, test-then-train)", fineTuned);
        series.put("frozen starting model (base snapshot)", frozenCurve);
        StudyReport.writeLinePng(png, String.format(Locale.ROOT, "Prequential F1 (spam), newest %,d mails", window),
                "mails trained", "F1 over the newest " + window + " (spam positive)", series);
        double[] last = kept.isEmpty() ? new double[] {0, Double.NaN, Double.NaN, Double.NaN, Double.NaN}
                : kept.get(kept.size() - 1);
        return new Result((long) last[0], last[1], last[3], last[2], last[4], score.total().f1(),
                score.total().accuracy());
    }

    /** F1 is NaN while a window has no positive and no positive prediction; the chart draws that as 0. */
    private static double nanAsZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
