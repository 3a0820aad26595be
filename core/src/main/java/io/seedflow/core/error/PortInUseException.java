package io.seedflow.core.error;

/**
 * A port a server was told to listen on is taken (the demo's broker, registry and dashboard, the development
 * registry); the message names the port and how to choose another.
 */
public class PortInUseException extends SeedFlowException {
    public PortInUseException(String what, int port, String hint, Throwable cause) {
        super(what + " port " + port + " is already in use; " + hint, cause);
    }
}
