package io.seedflow.core.model;

import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.objective.ClassLabels;
import io.seedflow.core.objective.Targets;

/**
 * A mini-batch of {@code size} examples of one {@link InputKind} with their {@link Targets}. Dense: {@code features} holds
 * {@code featureCount} floats per example, row-major ({@code tokenIds} and {@code tokenCounts} are null). Tokens:
 * {@code tokenIds} holds {@code featureCount} ids per example, row-major, of which the first {@code tokenCounts[n]}
 * are real and the rest padding ({@code features} is null).
 */
public record Batch(float[] features, int[] tokenIds, int[] tokenCounts, Targets targets, int size,
        int featureCount) {
    public Batch {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + size);
        }
        if (targets.size() != size) {
            throw new TensorShapeMismatchException("batch of " + size + " examples needs " + size + " labels, got "
                    + targets.size());
        }
        if ((features == null) == (tokenIds == null)) {
            throw new IllegalArgumentException("a batch holds either dense features or token ids, not "
                    + (features == null ? "neither" : "both"));
        }
        if (features != null && features.length != (long) size * featureCount) {
            throw new TensorShapeMismatchException("batch of " + size + " examples with " + featureCount
                    + " features needs " + (long) size * featureCount + " floats, got " + features.length);
        }
        if (tokenIds != null) {
            if (tokenIds.length != (long) size * featureCount || tokenCounts == null || tokenCounts.length != size) {
                throw new TensorShapeMismatchException("batch of " + size + " texts of at most " + featureCount
                        + " tokens needs " + (long) size * featureCount + " ids and " + size + " counts, got "
                        + tokenIds.length + " and " + (tokenCounts == null ? "none" : tokenCounts.length));
            }
            for (int n = 0; n < size; n++) {
                if (tokenCounts[n] < 1 || tokenCounts[n] > featureCount) {
                    throw new TensorShapeMismatchException("text " + n + " of the batch has " + tokenCounts[n]
                            + " tokens; expected 1.." + featureCount);
                }
            }
        }
    }

    /** A dense batch of classified examples: {@code featureCount} floats per example, row-major. */
    public Batch(float[] features, int[] labels, int size, int featureCount) {
        this(features, null, null, new ClassLabels(labels), size, featureCount);
    }

    /**
     * A batch of classified tokenized texts padded to {@code maxTokens} ids each; text n has {@code tokenCounts[n]}
     * real ids.
     */
    public static Batch ofTokens(int[] tokenIds, int[] tokenCounts, int[] labels, int maxTokens) {
        return new Batch(null, tokenIds, tokenCounts, new ClassLabels(labels), labels.length, maxTokens);
    }

    /** The class labels of a classification batch (for class metrics: accuracy, F1, the prequential score). */
    public int[] labels() {
        return ClassLabels.of(targets, "a classification metric");
    }

    public InputKind inputKind() {
        return features != null ? InputKind.DENSE : InputKind.TOKENS;
    }

    /** Examples [from, to) of this batch as a batch of their own (copies; to > from). */
    public Batch slice(int from, int to) {
        if (from < 0 || to > size || to <= from) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") of a batch of " + size
                    + " examples; needs 0 <= from < to <= " + size);
        }
        Targets sliceTargets = targets.slice(from, to);
        if (features != null) {
            return new Batch(java.util.Arrays.copyOfRange(features, from * featureCount, to * featureCount), null, null,
                    sliceTargets, to - from, featureCount);
        }
        return new Batch(null, java.util.Arrays.copyOfRange(tokenIds, from * featureCount, to * featureCount),
                java.util.Arrays.copyOfRange(tokenCounts, from, to), sliceTargets, to - from, featureCount);
    }
}
