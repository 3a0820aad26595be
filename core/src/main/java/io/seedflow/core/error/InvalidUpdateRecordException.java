package io.seedflow.core.error;

/** An update record is malformed (wrong model, non-finite coefficient, inconsistent fields); nothing was applied. */
public class InvalidUpdateRecordException extends SeedFlowException {
    public InvalidUpdateRecordException(String message) {
        super(message);
    }
}
