package io.seedflow.core.objective;

/**
 * What a batch's examples should produce, one target per example, in example order: the second half of a labeled
 * example, which an {@link Objective} compares with the model's outputs. Sealed: each kind of target (a class label
 * today; a preference between two texts or a similarity target later) is one record here, and an objective says which
 * kinds it accepts ({@link Objective#accepts}).
 */
public sealed interface Targets permits ClassLabels {
    /** How many examples these are the targets of. */
    int size();

    /** The targets of examples [from, to), copied. */
    Targets slice(int from, int to);
}
