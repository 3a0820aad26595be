package io.seedflow.jobs.study.text;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.Evaluation;
import io.seedflow.core.model.PrequentialScore;
import io.seedflow.jobs.study.StudyReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text study's files: every run as CSV, a markdown table per view (mean ± sd over seeds), the stream plot. */
final class TextStudyReport {
    /** Predictions per point of the sliding-window curve and the window's length in mails. */
    static final int CURVE_POINTS = 120;
    static final int WINDOW = 400;

    private TextStudyReport() {
    }

    static void writeRunsCsv(Path file, List<TextStudy.Run> runs) {
        StringBuilder sb = new StringBuilder(HEADER + "\n");
        for (TextStudy.Run r : runs) {
            Evaluation e = r.score();
            sb.append(String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.6f,%.6f,%.6f,%d,%d,%d,%d,%d,%d,%.1f%n", r.view(),
                    r.method(), r.seed(), e.f1(TextStudy.SPAM), e.accuracy(), e.precision(TextStudy.SPAM),
                    e.recall(TextStudy.SPAM), e.count(0, 0), e.count(0, 1), e.count(1, 0), e.count(1, 1), e.examples(),
                    r.steps(), r.seconds()));
        }
        StudyReport.write(file, sb.toString());
    }

    static final String HEADER = "view,method,seed,f1_spam,accuracy,precision_spam,recall_spam,ham_as_ham,ham_as_spam,"
            + "spam_as_ham,spam_as_spam,examples,steps,seconds";

    /**
     * Records the study's settings in {@code dir}/settings.txt, or checks that the study already there had the same
     * ones: runs of different settings never mix in one table.
     */
    static void claimFolder(Path dir, String settings) {
        Path file = dir.resolve("settings.txt");
        try {
            if (Files.isRegularFile(file)) {
                String earlier = Files.readString(file).strip();
                if (!earlier.equals(settings.strip())) {
                    throw new InvalidConfigurationException("--out", dir, "a folder without a study of other settings"
                            + " (it holds one with " + earlier.replace("\n", ", ") + ")");
                }
            } else {
                StudyReport.write(file, settings.strip() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /** The runs of an earlier study in {@code dir} (its runs.csv and predictions), to go on where it stopped. */
    static List<TextStudy.Run> readRuns(Path dir) {
        Path file = dir.resolve("runs.csv");
        List<TextStudy.Run> runs = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return runs;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
                throw new IllegalStateException(file + " is not a text study's runs.csv (header " + HEADER
                        + "); move it away or choose another --out");
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                long[] confusion = {Long.parseLong(f[7]), Long.parseLong(f[8]), Long.parseLong(f[9]),
                        Long.parseLong(f[10])};
                Evaluation e = new Evaluation(Double.NaN, 2, confusion);
                TextStudy.View view = TextStudy.View.valueOf(f[0]);
                Path predictions = dir.resolve("predictions").resolve(f[1] + "-seed" + f[2] + ".txt");
                int[] predicted = view == TextStudy.View.prequential && Files.isRegularFile(predictions)
                        ? Files.readString(predictions).strip().chars().map(c -> c - '0').toArray() : null;
                runs.add(new TextStudy.Run(view, f[1], Long.parseLong(f[2]), e, Long.parseLong(f[12]),
                        Double.parseDouble(f[13]), predicted));
            }
            return runs;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /** The tables of {@link #markdown(List)}, then the prequential methods paired against the head alone. */
    static String markdown(List<TextStudy.Run> runs, int[] labels, int trainCount) {
        return markdown(runs) + againstHeadAlone(runs, labels, trainCount);
    }

    /**
     * Every prequential method against {@code head-only} on the seeds both ran ({@link PairedComparison}): on the
     * whole stream and on the last 30%.
     */
    static String againstHeadAlone(List<TextStudy.Run> runs, int[] labels, int trainCount) {
        Map<String, Map<Long, int[]>> by = new LinkedHashMap<>();
        runs.stream().filter(r -> r.view() == TextStudy.View.prequential && r.predictions() != null)
                .forEach(r -> by.computeIfAbsent(r.method(), k -> new LinkedHashMap<>()).put(r.seed(), r.predictions()));
        Map<Long, int[]> head = by.remove("head-only");
        if (head == null || by.isEmpty()) {
            return "";
        }
        int[] every = java.util.stream.IntStream.range(0, labels.length).toArray();
        double headF1 = head.values().stream().mapToDouble(p -> PairedComparison.f1(p, labels, every, TextStudy.SPAM))
                .average().orElse(Double.NaN);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%nPrequential, against the head alone "
                + "(head-only, F1 %.4f on the whole stream) on the same seeds: mean F1 difference, paired bootstrap 95%% "
                + "interval over mails (%d resamples), McNemar's exact p (the largest over the seeds)%n%n", headF1,
                PairedComparison.RESAMPLES));
        sb.append("| method | seeds | F1 whole stream | ΔF1 whole stream [95%] | McNemar p | ΔF1 last 30% [95%] "
                + "| McNemar p |\n|---|---:|---:|---:|---:|---:|---:|\n");
        int n = labels.length;
        by.forEach((method, bySeed) -> {
            List<Long> seeds = bySeed.keySet().stream().filter(head::containsKey).sorted().toList();
            if (seeds.isEmpty()) {
                return;
            }
            List<int[]> a = seeds.stream().map(bySeed::get).toList();
            List<int[]> b = seeds.stream().map(head::get).toList();
            PairedComparison whole = PairedComparison.of(a, b, labels, 0, n, TextStudy.SPAM);
            PairedComparison last = PairedComparison.of(a, b, labels, trainCount, n, TextStudy.SPAM);
            double f1 = a.stream().mapToDouble(p -> PairedComparison.f1(p, labels, every, TextStudy.SPAM)).average()
                    .orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %s | %s | %s | %s |%n", method, seeds.size(), f1,
                    interval(whole), pValue(whole.mcnemarP()), interval(last), pValue(last.mcnemarP())));
        });
        return sb.toString();
    }

    private static String interval(PairedComparison c) {
        return String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", c.delta(), c.low(), c.high());
    }

    private static String pValue(double p) {
        if (p < Double.MIN_NORMAL) {
            return "< 1e-300"; // the binomial tail underflows a double
        }
        return p >= 0.001 ? String.format(Locale.ROOT, "%.3f", p) : String.format(Locale.ROOT, "%.1e", p);
    }

    static String markdown(List<TextStudy.Run> runs) {
        StringBuilder sb = new StringBuilder();
        for (TextStudy.View view : TextStudy.View.values()) {
            List<TextStudy.Run> of = runs.stream().filter(r -> r.view() == view).toList();
            if (of.isEmpty()) {
                continue;
            }
            sb.append("\n").append(view == TextStudy.View.offline
                    ? "Offline: trained on the first 70% in time order (one epoch), tested on the last 30%"
                    : "Prequential: whole corpus in time order, each batch scored before it is trained on; scores over "
                            + "the last 30%").append("\n\n");
            sb.append("| method | seeds | F1 (spam) | accuracy | precision | recall | steps | s per run |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            Map<String, List<TextStudy.Run>> by = new LinkedHashMap<>();
            of.forEach(r -> by.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r));
            by.forEach((method, rs) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %d | %.0f |%n",
                    method, rs.size(), stat(rs, r -> r.score().f1(TextStudy.SPAM)),
                    stat(rs, r -> r.score().accuracy()), stat(rs, r -> r.score().precision(TextStudy.SPAM)),
                    stat(rs, r -> r.score().recall(TextStudy.SPAM)), rs.get(0).steps(),
                    rs.stream().mapToDouble(TextStudy.Run::seconds).average().orElse(0))));
        }
        return sb.toString();
    }

    private static String stat(List<TextStudy.Run> runs, java.util.function.ToDoubleFunction<TextStudy.Run> f) {
        return StudyReport.meanSd(runs.stream().map(f::applyAsDouble).toList(), 3);
    }

    /**
     * F1 (class {@code positive}) of core's {@link PrequentialScore} window of {@code window} predictions at each of
     * {@code points} positions along the stream; NaN where the window holds no example of the class and none was
     * predicted as it (F1 is undefined there).
     */
    static double[][] windowF1(int[] predicted, int[] labels, int window, int points, int positive) {
        double[][] curve = new double[points][2];
        PrequentialScore score = new PrequentialScore(2, window);
        int fed = 0;
        for (int p = 0; p < points; p++) {
            int until = (int) ((long) (p + 1) * predicted.length / points);
            for (; fed < until; fed++) {
                score.add(predicted[fed], labels[fed]);
            }
            Evaluation e = score.window();
            boolean defined = e.count(positive, positive) + e.count(1 - positive, positive)
                    + e.count(positive, 1 - positive) > 0;
            curve[p][0] = until;
            curve[p][1] = defined ? e.f1(positive) : Double.NaN;
        }
        return curve;
    }

    /** Prequential F1 over the last {@link #WINDOW} mails along the stream, mean over seeds, per method. */
    static void writeStreamPng(Path file, List<TextStudy.Run> runs, int[] labels, int trainCount) {
        Map<String, List<double[][]>> by = new LinkedHashMap<>();
        for (TextStudy.Run r : runs) {
            if (r.predictions() != null) {
                by.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(windowF1(r.predictions(),
                        labels, WINDOW, CURVE_POINTS, TextStudy.SPAM));
            }
        }
        if (by.isEmpty()) {
            return;
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        by.forEach((method, curves) -> {
            List<double[]> points = new ArrayList<>();
            for (int p = 0; p < CURVE_POINTS; p++) {
                final int at = p;
                double mean = curves.stream().mapToDouble(c -> c[at][1]).average().orElse(Double.NaN);
                if (!Double.isNaN(mean)) { // windows without spam, predicted or real, have no F1: a gap
                    points.add(new double[] {curves.get(0)[p][0], mean});
                }
            }
            double[][] xy = new double[2][points.size()];
            for (int i = 0; i < points.size(); i++) {
                xy[0][i] = points.get(i)[0];
                xy[1][i] = points.get(i)[1];
            }
            series.put(method + " (" + curves.size() + " seeds)", xy);
        });
        StudyReport.writeLinePng(file, String.format(Locale.ROOT, "SpamAssassin in time order: prequential F1 (spam) "
                + "over the last %d mails; the last 30%% starts at mail %d", WINDOW, trainCount),
                "mails seen (time order)", "prequential F1, sliding window", series);
    }

    static void writePredictions(Path dir, TextStudy.Run r) {
        if (r.predictions() == null) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (int p : r.predictions()) {
            sb.append(p);
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(r.method() + "-seed" + r.seed() + ".txt"), sb.append('\n').toString());
        } catch (IOException e) {
            throw new UncheckedIOException("writing predictions to " + dir, e);
        }
    }
}
