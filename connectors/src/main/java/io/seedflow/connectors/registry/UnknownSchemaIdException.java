package io.seedflow.connectors.registry;

/** The registry answered that it has no schema with the requested global id. */
public final class UnknownSchemaIdException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;
    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String location, Throwable cause) {
        super("schema id " + schemaId + " not found in registry " + location, cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
