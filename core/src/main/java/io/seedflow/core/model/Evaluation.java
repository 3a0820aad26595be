package io.seedflow.core.model;

/**
 * How a model did on a labeled set: its mean loss (NaN where not tracked) and the confusion counts,
 * {@code confusion[trueClass * classes + predictedClass]} examples, from which accuracy, precision, recall and F1 come.
 */
public record Evaluation(double meanLoss, int classes, long[] confusion) {
    public Evaluation {
        if (confusion.length != (long) classes * classes) {
            throw new IllegalArgumentException("confusion counts of " + classes + " classes need " + classes * classes
                    + " cells, got " + confusion.length);
        }
        confusion = confusion.clone();
    }

    /** The scores of {@code predicted} against {@code labels} at positions [from, until); mean loss not tracked. */
    public static Evaluation ofPredictions(int[] predicted, int[] labels, int from, int until, int classes) {
        long[] confusion = new long[classes * classes];
        for (int i = from; i < until; i++) {
            confusion[labels[i] * classes + predicted[i]]++;
        }
        return new Evaluation(Double.NaN, classes, confusion);
    }

    /** Examples counted. */
    public int examples() {
        long n = 0;
        for (long c : confusion) {
            n += c;
        }
        return Math.toIntExact(n);
    }

    /** Right predictions ÷ examples (NaN for none). */
    public double accuracy() {
        long right = 0;
        for (int c = 0; c < classes; c++) {
            right += count(c, c);
        }
        return (double) right / examples();
    }

    /** Examples of class {@code actual} predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return confusion[actual * classes + predicted];
    }

    /** Precision of {@code positive}: right predictions of it ÷ all predictions of it (0 when it was never predicted). */
    public double precision(int positive) {
        long predicted = 0;
        for (int actual = 0; actual < classes; actual++) {
            predicted += count(actual, positive);
        }
        return predicted == 0 ? 0 : (double) count(positive, positive) / predicted;
    }

    /** Recall of {@code positive}: its examples predicted as it ÷ its examples (0 when it has none). */
    public double recall(int positive) {
        long actual = 0;
        for (int predicted = 0; predicted < classes; predicted++) {
            actual += count(positive, predicted);
        }
        return actual == 0 ? 0 : (double) count(positive, positive) / actual;
    }

    /** F1 with {@code positive} as the positive class: 2 TP / (2 TP + FP + FN); 0 when that is 0/0. */
    public double f1(int positive) {
        long tp = count(positive, positive);
        long fp = 0;
        long fn = 0;
        for (int other = 0; other < classes; other++) {
            if (other != positive) {
                fp += count(other, positive);
                fn += count(positive, other);
            }
        }
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0 : 2.0 * tp / denominator;
    }

    /**
     * The F1 that summarizes this evaluation: for two classes the F1 of class 1 (e.g. spam), for more the macro
     * average of every class's F1 (each class as the positive one).
     */
    public double f1() {
        if (classes == 2) {
            return f1(1);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += f1(c);
        }
        return sum / classes;
    }
}
