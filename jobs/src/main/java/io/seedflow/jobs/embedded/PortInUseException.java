package io.seedflow.jobs.embedded;

import io.seedflow.core.error.SeedFlowException;

/** A port the demo was told to listen on is taken; the message names the port and how to choose another. */
public class PortInUseException extends SeedFlowException {
    public PortInUseException(String what, int port, String hint, Throwable cause) {
        super(what + " port " + port + " is already in use; " + hint, cause);
    }
}
