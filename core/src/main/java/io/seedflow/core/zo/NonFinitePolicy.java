package io.seedflow.core.zo;

/** What a ZO step does when a perturbed loss is NaN or infinite. */
public enum NonFinitePolicy {
    /** Emit a SKIPPED_NON_FINITE record (no weight change) and count it. */
    SKIP,
    /** Throw {@link io.seedflow.core.error.NonFiniteLossException}. */
    FAIL
}
