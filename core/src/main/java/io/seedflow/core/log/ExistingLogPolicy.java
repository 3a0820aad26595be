package io.seedflow.core.log;

/** What a trainer does with a model it has no state for but whose log already has steps ({@link LogHistory}). */
public enum ExistingLogPolicy {
    /** Continue the log: restore the newest announced snapshot, replay the records after it, number on. */
    RESUME,
    /** Refuse to train the model, naming it and its last step: a new id, or a restore from a checkpoint, is needed. */
    REFUSE
}
