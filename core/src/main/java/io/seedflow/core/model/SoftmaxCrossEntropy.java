package io.seedflow.core.model;

import io.seedflow.core.objective.ClassLabels;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.objective.Targets;

/**
 * The classification objective: softmax cross-entropy of class-major logits ({@code logits[c * batch + n]}) against
 * {@link ClassLabels}, predictions by the largest logit. The objective every family trains with by default; the static
 * helpers are its arithmetic, shared by the instance methods.
 */
public final class SoftmaxCrossEntropy implements Objective {
    /** The objective (stateless). */
    public static final SoftmaxCrossEntropy OBJECTIVE = new SoftmaxCrossEntropy();

    private SoftmaxCrossEntropy() {
    }

    @Override
    public String name() {
        return "softmax-cross-entropy";
    }

    @Override
    public boolean accepts(Targets targets) {
        return targets instanceof ClassLabels;
    }

    @Override
    public double lossSum(float[] outputs, int width, Targets targets, int n) {
        return lossSum(outputs, labels(targets), width, n);
    }

    /** softmax - onehot: each class's probability, minus 1 at the label. */
    @Override
    public void outputGradient(float[] outputs, int width, Targets targets, int n, int e, double[] d) {
        int label = labels(targets)[e];
        softmax(outputs, width, n, e, d);
        for (int c = 0; c < width; c++) {
            d[c] -= c == label ? 1 : 0;
        }
    }

    @Override
    public double meanLossAndGradient(float[] outputs, int width, Targets targets, int n, float[] gradient) {
        return lossAndGradient(outputs, labels(targets), width, n, gradient);
    }

    @Override
    public int predict(float[] outputs, int width, int n, int e) {
        return argmax(outputs, width, n, e);
    }

    @Override
    public void probabilities(float[] outputs, int width, int n, int e, double[] out) {
        softmax(outputs, width, n, e, out);
    }

    private int[] labels(Targets targets) {
        return ClassLabels.of(targets, name());
    }

    /** Mean over the batch of -log softmax(logits)[label]: {@link #lossSum} / batch. */
    public static double meanLoss(float[] logits, int[] labels, int classes, int batch) {
        return lossSum(logits, labels, classes, batch) / batch;
    }

    /** Sum over the batch of -log softmax(logits)[label], in example order (deterministic). */
    public static double lossSum(float[] logits, int[] labels, int classes, int batch) {
        double sum = 0;
        for (int n = 0; n < batch; n++) {
            sum += logSumExp(logits, classes, batch, n) - logits[labels[n] * batch + n];
        }
        return sum;
    }

    /**
     * Softmax of example n's logits into {@code out[0..classes)}: exp(l_c - max) / sum_k exp(l_k - max), the maximum
     * and the sum in double, in class order (deterministic).
     */
    public static void softmax(float[] logits, int classes, int batch, int n, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[c * batch + n]);
        }
        double z = 0;
        for (int c = 0; c < classes; c++) {
            out[c] = Math.exp(logits[c * batch + n] - max);
            z += out[c];
        }
        for (int c = 0; c < classes; c++) {
            out[c] /= z;
        }
    }

    /** Index of the largest logit of example n (first one on ties). */
    public static int argmax(float[] logits, int classes, int batch, int n) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (logits[c * batch + n] > logits[best * batch + n]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Writes d(mean loss)/d(logits) into {@code grad} (class-major): (softmax - onehot) / batch. Returns the mean
     * loss.
     */
    public static double lossAndGradient(float[] logits, int[] labels, int classes, int batch, float[] grad) {
        double sum = 0;
        for (int n = 0; n < batch; n++) {
            double lse = logSumExp(logits, classes, batch, n);
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[c * batch + n] - lse);
                grad[c * batch + n] = (float) ((p - (c == labels[n] ? 1 : 0)) / batch);
            }
            sum += lse - logits[labels[n] * batch + n];
        }
        return sum / batch;
    }

    /** log(sum_c exp(logits[c, n])), shifted by the maximum for range safety. */
    private static double logSumExp(float[] logits, int classes, int batch, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[c * batch + n]);
        }
        double z = 0;
        for (int c = 0; c < classes; c++) {
            z += Math.exp(logits[c * batch + n] - max);
        }
        return Math.log(z) + max;
    }
}
