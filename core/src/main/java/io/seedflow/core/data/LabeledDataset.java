package io.seedflow.core.data;

import io.seedflow.core.model.Batch;

/** Examples as one row-major float array plus labels. */
public record LabeledDataset(String name, float[] features, int[] labels, int count, int featureCount, int classes) {

    /** Copies examples {@code order[from..from+size)} into a batch. */
    public Batch batch(int[] order, int from, int size) {
        float[] x = new float[size * featureCount];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            int e = order[from + i];
            System.arraycopy(features, e * featureCount, x, i * featureCount, featureCount);
            y[i] = labels[e];
        }
        return new Batch(x, y, size, featureCount);
    }

    /** The first {@code n} examples (or all, if fewer). */
    public LabeledDataset head(int n) {
        int m = Math.min(n, count);
        float[] f = new float[m * featureCount];
        System.arraycopy(features, 0, f, 0, f.length);
        int[] l = new int[m];
        System.arraycopy(labels, 0, l, 0, m);
        return new LabeledDataset(name, f, l, m, featureCount, classes);
    }
}
