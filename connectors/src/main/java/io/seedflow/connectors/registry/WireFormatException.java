package io.seedflow.connectors.registry;

/**
 * A record's bytes are not a valid Confluent-wire-format Avro record of the expected type. The fault is in the
 * record, so a pipeline may dead-letter it with {@link #reason()} and keep going.
 */
public final class WireFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What was wrong, as a stable code for dead-letter records and metrics. */
    public enum Reason {
        /** Fewer than the 5 header bytes. */
        TRUNCATED,
        /** The first byte is not the Confluent magic byte 0. */
        UNKNOWN_MAGIC_BYTE,
        /** The registry has no schema with the id in the header. */
        UNKNOWN_SCHEMA_ID,
        /** The writer schema cannot be read as the expected record type. */
        INCOMPATIBLE_SCHEMA,
        /** The Avro body does not decode with the writer schema (short, corrupt or with trailing bytes). */
        MALFORMED_PAYLOAD
    }

    private final Reason reason;

    public WireFormatException(Reason reason, String message) {
        this(reason, message, null);
    }

    public WireFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
