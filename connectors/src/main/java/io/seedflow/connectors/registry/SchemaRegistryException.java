package io.seedflow.connectors.registry;

/**
 * The schema registry refused a request or could not be reached. Unlike a {@link WireFormatException}, this is not a
 * fault of one record: retry or fail, do not dead-letter.
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
