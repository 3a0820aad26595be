package io.seedflow.jobs.study.text;

import io.seedflow.core.model.Evaluation;

/** Scores of test-then-train predictions as a sliding window along the stream. */
final class PrequentialScore {
    private PrequentialScore() {
    }

    /**
     * F1 (class {@code positive}) over the {@code window} predictions before each of {@code points} positions; NaN
     * where the window holds no example of the class and none was predicted as it (F1 is undefined there).
     */
    static double[][] windowF1(int[] predicted, int[] labels, int window, int points, int positive) {
        double[][] curve = new double[points][2];
        for (int p = 0; p < points; p++) {
            int until = (int) ((long) (p + 1) * predicted.length / points);
            int from = Math.max(0, until - window);
            curve[p][0] = until;
            Evaluation e = Evaluation.ofPredictions(predicted, labels, from, until, 2);
            boolean defined = e.count(positive, positive) + e.count(1 - positive, positive)
                    + e.count(positive, 1 - positive) > 0;
            curve[p][1] = defined ? e.f1(positive) : Double.NaN;
        }
        return curve;
    }
}
