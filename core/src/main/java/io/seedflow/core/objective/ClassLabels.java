package io.seedflow.core.objective;

import java.util.Arrays;

/** One class index per example: the targets of classification ({@code label} on the event). */
public record ClassLabels(int[] labels) implements Targets {
    public ClassLabels {
        if (labels == null) {
            throw new IllegalArgumentException("class labels: expected an array of labels, got null");
        }
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public ClassLabels slice(int from, int to) {
        return new ClassLabels(Arrays.copyOfRange(labels, from, to));
    }

    /** The labels of {@code targets}, which must be class labels ({@code what} names the caller for the message). */
    public static int[] of(Targets targets, String what) {
        if (targets instanceof ClassLabels c) {
            return c.labels;
        }
        throw new IllegalArgumentException(what + " needs class labels as targets, got " + targets.getClass().getSimpleName());
    }
}
