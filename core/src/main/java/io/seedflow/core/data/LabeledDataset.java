package io.seedflow.core.data;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.InputKind;

/**
 * Labeled examples of one {@link InputKind}, stored flat. Dense: {@code features} holds {@code featureCount} floats
 * per example. Tokens: {@code tokenIds} holds {@code featureCount} ids per example (padded), of which the first
 * {@code tokenCounts[e]} are real.
 */
public record LabeledDataset(String name, float[] features, int[] tokenIds, int[] tokenCounts, int[] labels,
        int count, int featureCount, int classes) {

    /** Dense examples as one row-major float array. */
    public LabeledDataset(String name, float[] features, int[] labels, int count, int featureCount, int classes) {
        this(name, features, null, null, labels, count, featureCount, classes);
    }

    /** Tokenized texts padded to {@code maxTokens} ids each. */
    public static LabeledDataset ofTokens(String name, int[] tokenIds, int[] tokenCounts, int[] labels,
            int maxTokens, int classes) {
        return new LabeledDataset(name, null, tokenIds, tokenCounts, labels, labels.length, maxTokens, classes);
    }

    public InputKind inputKind() {
        return features != null ? InputKind.DENSE : InputKind.TOKENS;
    }

    /** Copies examples {@code order[from..from+size)} into a batch. */
    public Batch batch(int[] order, int from, int size) {
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            y[i] = labels[order[from + i]];
        }
        if (features == null) {
            int[] ids = new int[size * featureCount];
            int[] counts = new int[size];
            for (int i = 0; i < size; i++) {
                int e = order[from + i];
                System.arraycopy(tokenIds, e * featureCount, ids, i * featureCount, featureCount);
                counts[i] = tokenCounts[e];
            }
            return Batch.ofTokens(ids, counts, y, featureCount);
        }
        float[] x = new float[size * featureCount];
        for (int i = 0; i < size; i++) {
            System.arraycopy(features, order[from + i] * featureCount, x, i * featureCount, featureCount);
        }
        return new Batch(x, y, size, featureCount);
    }

    /** Examples [from, from + n) (clipped to the data set), in order. */
    public LabeledDataset slice(int from, int n) {
        int m = Math.max(0, Math.min(n, count - from));
        int[] l = new int[m];
        System.arraycopy(labels, from, l, 0, m);
        if (features == null) {
            int[] ids = new int[m * featureCount];
            System.arraycopy(tokenIds, from * featureCount, ids, 0, ids.length);
            int[] counts = new int[m];
            System.arraycopy(tokenCounts, from, counts, 0, m);
            return new LabeledDataset(name, null, ids, counts, l, m, featureCount, classes);
        }
        float[] f = new float[m * featureCount];
        System.arraycopy(features, from * featureCount, f, 0, f.length);
        return new LabeledDataset(name, f, l, m, featureCount, classes);
    }

    /** The first {@code n} examples (or all, if fewer). */
    public LabeledDataset head(int n) {
        return slice(0, n);
    }
}
