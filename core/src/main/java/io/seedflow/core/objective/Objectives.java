package io.seedflow.core.objective;

import io.seedflow.core.model.SoftmaxCrossEntropy;

/** The objective every family trains with unless told otherwise: the one place that names an implementation. */
public final class Objectives {
    /** Softmax cross-entropy on class labels. */
    public static final Objective DEFAULT = SoftmaxCrossEntropy.OBJECTIVE;

    private Objectives() {
    }
}
