package io.seedflow.jobs.study.text;

import io.seedflow.core.model.Evaluation;

/** Scores of test-then-train predictions: over a stretch of the stream, and as a sliding window along it. */
final class PrequentialScore {
    private PrequentialScore() {
    }

    /** Accuracy and confusion counts of the predictions at positions [from, until) (mean loss not tracked: NaN). */
    static Evaluation of(int[] predicted, int[] labels, int from, int until, int classes) {
        long[] confusion = new long[classes * classes];
        int correct = 0;
        for (int i = from; i < until; i++) {
            confusion[labels[i] * classes + predicted[i]]++;
            correct += labels[i] == predicted[i] ? 1 : 0;
        }
        return new Evaluation((double) correct / (until - from), Double.NaN, until - from, classes, confusion);
    }

    /** F1 (class {@code positive}) over the {@code window} predictions before each of {@code points} positions. */
    static double[][] windowF1(int[] predicted, int[] labels, int window, int points, int positive) {
        double[][] curve = new double[points][2];
        for (int p = 0; p < points; p++) {
            int until = (int) ((long) (p + 1) * predicted.length / points);
            int from = Math.max(0, until - window);
            curve[p][0] = until;
            curve[p][1] = of(predicted, labels, from, until, 2).f1(positive);
        }
        return curve;
    }
}
