package io.seedflow.core.model;

/**
 * Accuracy and mean loss of a model on a labeled set, with the confusion counts they come from:
 * {@code confusion[trueClass * classes + predictedClass]} examples.
 */
public record Evaluation(double accuracy, double meanLoss, int examples, int classes, long[] confusion) {
    public Evaluation {
        if (confusion.length != (long) classes * classes) {
            throw new IllegalArgumentException("confusion counts of " + classes + " classes need " + classes * classes
                    + " cells, got " + confusion.length);
        }
        confusion = confusion.clone();
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
}
