package io.seedflow.connectors.replica;

import io.seedflow.core.error.SeedFlowException;

/** A replica needs to (re-)bootstrap but its snapshot source holds no usable snapshot of the model. */
public class NoSnapshotAvailableException extends SeedFlowException {
    public NoSnapshotAvailableException(String message) {
        super(message);
    }

    public NoSnapshotAvailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
