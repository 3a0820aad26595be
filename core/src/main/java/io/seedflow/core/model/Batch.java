package io.seedflow.core.model;

import io.seedflow.core.error.TensorShapeMismatchException;

/** A mini-batch: {@code size} examples of {@code features} floats each, row-major, and their class labels. */
public record Batch(float[] features, int[] labels, int size, int featureCount) {
    public Batch {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + size);
        }
        if (features.length != (long) size * featureCount) {
            throw new TensorShapeMismatchException("batch of " + size + " examples with " + featureCount
                    + " features needs " + (long) size * featureCount + " floats, got " + features.length);
        }
        if (labels.length != size) {
            throw new TensorShapeMismatchException("batch of " + size + " examples needs " + size + " labels, got "
                    + labels.length);
        }
    }
}
