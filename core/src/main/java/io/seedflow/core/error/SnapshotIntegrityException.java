package io.seedflow.core.error;

/** A snapshot's bytes do not hash to the SHA-256 they were announced with, or the file is not valid safetensors. */
public class SnapshotIntegrityException extends SeedFlowException {
    public SnapshotIntegrityException(String message) {
        super(message);
    }

    public SnapshotIntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
