package io.seedflow.core.data;

import java.util.Optional;

/**
 * Checks one labeled example against what a model accepts (feature count, finite values, label range) before it may
 * enter a mini-batch. Pure and allocation-free on the accepted path; the streaming job routes refused examples to
 * the dead-letter topic with {@link Rejection#reason()} and {@link Rejection#message()}.
 */
public final class ExampleValidator {
    private final int featureCount;
    private final int classes;

    public ExampleValidator(int featureCount, int classes) {
        if (featureCount <= 0 || classes < 2) {
            throw new IllegalArgumentException("need featureCount > 0 and classes >= 2, got " + featureCount + " and "
                    + classes);
        }
        this.featureCount = featureCount;
        this.classes = classes;
    }

    /** Empty if the example is acceptable, else the first problem found (length, then values, then label). */
    public Optional<Rejection> check(float[] features, int label) {
        if (features == null) {
            return Optional.of(new Rejection(RejectionReason.MISSING_FEATURES,
                    "expected " + featureCount + " dense features, got none"));
        }
        if (features.length != featureCount) {
            return Optional.of(new Rejection(RejectionReason.WRONG_FEATURE_LENGTH,
                    "expected " + featureCount + " features, got " + features.length));
        }
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                return Optional.of(new Rejection(RejectionReason.NON_FINITE_FEATURE,
                        "feature " + i + " is " + features[i] + "; every feature must be finite"));
            }
        }
        if (label < 0 || label >= classes) {
            return Optional.of(new Rejection(RejectionReason.LABEL_OUT_OF_RANGE,
                    "label " + label + " is outside [0, " + classes + ")"));
        }
        return Optional.empty();
    }

    public int featureCount() {
        return featureCount;
    }

    public int classes() {
        return classes;
    }
}
