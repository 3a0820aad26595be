package io.seedflow.core.log;

/**
 * One step of a model's log: what turns version {@code step - 1} into version {@code step}. Either a trained change
 * ({@link UpdateRecord}) or a return to the weights of an earlier version ({@link ModelRollback}); the steps of a
 * model form one line, 1, 2, 3, ..., whatever their kind, and the hash chain of a signed log runs over both
 * (docs/update-log-spec.md §10, §11).
 */
public sealed interface LogStep permits UpdateRecord, ModelRollback {
    String modelId();

    /** The version this step makes. */
    long step();
}
