package io.seedflow.connectors.registry;

import io.seedflow.connectors.registry.WireFormatException.Reason;

/**
 * The Confluent Schema Registry wire format: byte 0 is the magic byte {@code 0x00}, bytes 1-4 the big-endian global
 * schema id, then the Avro binary encoding of the record with that (writer) schema. Subjects follow Confluent's
 * default TopicNameStrategy: {@code <topic>-value}.
 */
public final class ConfluentWireFormat {
    public static final byte MAGIC_BYTE = 0x00;
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {
    }

    /** The subject that holds the value schemas of {@code topic}. */
    public static String valueSubject(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic: expected a non-empty Kafka topic name, got '" + topic + "'");
        }
        return topic + "-value";
    }

    /** Writes the 5-byte header for {@code schemaId} into {@code out[0..5)}. */
    public static void writeHeader(int schemaId, byte[] out) {
        out[0] = MAGIC_BYTE;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
    }

    /**
     * Checks the header of {@code record} and returns its schema id.
     *
     * @throws WireFormatException {@link Reason#TRUNCATED} or {@link Reason#UNKNOWN_MAGIC_BYTE}
     */
    public static int readSchemaId(byte[] record) {
        if (record.length < HEADER_LENGTH) {
            throw new WireFormatException(Reason.TRUNCATED, "truncated record: " + record.length
                    + " bytes, need at least " + HEADER_LENGTH + " (magic byte + 4-byte schema id)");
        }
        if (record[0] != MAGIC_BYTE) {
            throw new WireFormatException(Reason.UNKNOWN_MAGIC_BYTE, String.format(
                    "unknown magic byte 0x%02x, expected 0x%02x (Confluent wire format)", record[0] & 0xff,
                    MAGIC_BYTE));
        }
        return ((record[1] & 0xff) << 24) | ((record[2] & 0xff) << 16) | ((record[3] & 0xff) << 8)
                | (record[4] & 0xff);
    }
}
