package io.seedflow.operators.internal;

/**
 * The most recent examples of a holdout stream, kept in memory (not in Flink state: after a restore it refills from
 * the stream) in a ring of fixed capacity; they are only evaluated on, never trained on.
 */
public final class HoldoutSet {
    private final int featureCount;
    private final float[] features;
    private final int[] labels;
    private int size;
    private int next;

    public HoldoutSet(int capacity, int featureCount) {
        if (capacity < 1) {
            throw new IllegalArgumentException("holdout capacity: expected >= 1, got " + capacity);
        }
        this.featureCount = featureCount;
        this.features = new float[capacity * featureCount];
        this.labels = new int[capacity];
    }

    /** Adds one example, replacing the oldest when full. */
    public void add(float[] x, int label) {
        if (x.length != featureCount) {
            throw new IllegalArgumentException("holdout example: expected " + featureCount + " features, got "
                    + x.length);
        }
        System.arraycopy(x, 0, features, next * featureCount, featureCount);
        labels[next] = label;
        next = (next + 1) % labels.length;
        size = Math.min(size + 1, labels.length);
    }

    public int size() {
        return size;
    }

    /** Row-major features of the first {@link #size()} slots (order does not matter for accuracy). */
    public float[] features() {
        return features;
    }

    public int[] labels() {
        return labels;
    }
}
