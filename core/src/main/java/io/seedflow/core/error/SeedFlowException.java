package io.seedflow.core.error;

/** Base of every error SeedFlow raises on purpose: the message names the value found and what was expected. */
public class SeedFlowException extends RuntimeException {
    public SeedFlowException(String message) {
        super(message);
    }

    public SeedFlowException(String message, Throwable cause) {
        super(message, cause);
    }
}
