package io.seedflow.connectors.registry;

import io.seedflow.connectors.registry.WireFormatException.Reason;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaParseException;

/**
 * The writer schemas of one reader schema: looks each schema id up in a {@link SchemaRegistry} once, checks that the
 * writer schema can be read as the reader schema, and checks a record's Avro body against its writer schema before
 * anything reads it. The one place where wire-format records meet the registry, shared by the generic
 * {@link ConfluentAvroCodec} and the specialised readers (e.g. the labeled-event reader of the ingest path).
 * Thread-safe; ids are cached.
 */
public final class WriterSchemas {
    private final Schema readerSchema;
    private final SchemaRegistry registry;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

    public WriterSchemas(Schema readerSchema, SchemaRegistry registry) {
        this.readerSchema = Objects.requireNonNull(readerSchema, "readerSchema");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public Schema readerSchema() {
        return readerSchema;
    }

    /**
     * The writer schema with global id {@code id}, checked readable as the reader schema.
     *
     * @throws WireFormatException {@link Reason#UNKNOWN_SCHEMA_ID} or {@link Reason#INCOMPATIBLE_SCHEMA}
     * @throws SchemaRegistryException if the registry cannot be reached (not the record's fault)
     */
    public Schema forId(int id) {
        return byId.computeIfAbsent(id, this::fetch);
    }

    /**
     * Checks that {@code record}'s body (after the wire-format header) is exactly one datum of {@code writer}, the
     * schema of id {@code id}. Avro's readers trust lengths and counts from the input (huge allocations, and an
     * endless loop on a negative block byte count), so every record is checked before it is read.
     *
     * @throws WireFormatException {@link Reason#MALFORMED_PAYLOAD} naming the first problem
     */
    public void requireOneDatum(int id, Schema writer, byte[] record) {
        int bodyLength = record.length - ConfluentWireFormat.HEADER_LENGTH;
        String problem = AvroBinaryValidator.problem(writer, record, ConfluentWireFormat.HEADER_LENGTH, bodyLength);
        if (problem != null) {
            throw malformed(id, writer, record, problem, null);
        }
    }

    /** A {@link Reason#MALFORMED_PAYLOAD} error for {@code record} (schema id {@code id}) with {@code problem}. */
    public static WireFormatException malformed(int id, Schema writer, byte[] record, String problem,
            Throwable cause) {
        int bodyLength = record.length - ConfluentWireFormat.HEADER_LENGTH;
        return new WireFormatException(Reason.MALFORMED_PAYLOAD, "malformed Avro payload for schema id " + id
                + " (" + describe(writer) + ", " + bodyLength + " body bytes): " + problem, cause);
    }

    private Schema fetch(int id) {
        String writerJson;
        try {
            writerJson = registry.schemaById(id);
        } catch (UnknownSchemaIdException e) {
            throw new WireFormatException(Reason.UNKNOWN_SCHEMA_ID, e.getMessage(), e);
        }
        Schema writerSchema;
        try {
            writerSchema = new Schema.Parser().parse(writerJson);
        } catch (SchemaParseException e) {
            throw new WireFormatException(Reason.INCOMPATIBLE_SCHEMA, "schema id " + id + " in registry "
                    + registry.location() + " is not a valid Avro schema: " + e.getMessage(), e);
        }
        SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new WireFormatException(Reason.INCOMPATIBLE_SCHEMA, "schema id " + id + " ("
                    + describe(writerSchema) + ") cannot be read as " + describe(readerSchema) + ": "
                    + compatibility.getResult().getIncompatibilities().get(0).getMessage() + " at "
                    + compatibility.getResult().getIncompatibilities().get(0).getLocation());
        }
        return writerSchema;
    }

    static String describe(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema.getFullName();
        }
        StringBuilder b = new StringBuilder("union[");
        for (Schema branch : schema.getTypes()) {
            b.append(b.length() > 6 ? ", " : "").append(branch.getFullName());
        }
        return b.append(']').toString();
    }
}
