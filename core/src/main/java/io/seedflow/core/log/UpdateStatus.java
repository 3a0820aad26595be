package io.seedflow.core.log;

/** Whether a step changed the weights. */
public enum UpdateStatus {
    /** Decay (if any) and every perturbation term were applied. */
    APPLIED,
    /** The step's losses were not finite: no weight changes, but the step number and lineage are consumed. */
    SKIPPED_NON_FINITE
}
