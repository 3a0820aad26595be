package io.seedflow.connectors.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one generated Avro record type (e.g. {@code LabeledEvent}) in the Confluent wire format
 * ({@link ConfluentWireFormat}), registering the writer schema and resolving writer schemas by id through a
 * {@link SchemaRegistry}. Decoding resolves the writer schema into this class's schema, so records written with an
 * older or newer compatible version decode. Thread-safe; ids and readers are cached per codec.
 *
 * @param <T> the generated record class
 */
public final class ConfluentAvroCodec<T extends SpecificRecord> {
    private final Class<T> type;
    private final Schema readerSchema;
    private final String readerSchemaJson;
    private final SpecificData data;
    private final SpecificDatumWriter<T> writer;
    private final SchemaRegistry registry;
    private final WriterSchemas writerSchemas;
    private final Map<String, Integer> idBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, SpecificDatumReader<T>> readerById = new ConcurrentHashMap<>();

    private ConfluentAvroCodec(Class<T> type, SpecificData data, Schema schema, SchemaRegistry registry) {
        this.type = type;
        this.data = data;
        this.readerSchema = schema;
        this.readerSchemaJson = readerSchema.toString();
        this.writer = new SpecificDatumWriter<>(readerSchema, data);
        this.registry = registry;
        this.writerSchemas = new WriterSchemas(schema, registry);
    }

    /** A codec for the generated record class {@code type}; its schema is registered on first encode. */
    public static <T extends SpecificRecord> ConfluentAvroCodec<T> forClass(Class<T> type, SchemaRegistry registry) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(registry, "registry");
        Schema schema = SpecificData.getForClass(type).getSchema(type);
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("type: expected an Avro-generated record class, got " + type.getName()
                    + " with schema type " + schema.getType());
        }
        return new ConfluentAvroCodec<>(type, SpecificData.getForClass(type), schema, registry);
    }

    /**
     * A codec for a topic that carries several generated record types: the value schema is the Avro union of their
     * schemas (registered once under the topic's subject, so {@code <topic>-value} keeps one schema), each value is
     * encoded as the union branch of its class, and decoding returns an instance of the branch's class.
     */
    @SafeVarargs
    public static ConfluentAvroCodec<SpecificRecord> forUnion(SchemaRegistry registry,
            Class<? extends SpecificRecord>... members) {
        Objects.requireNonNull(registry, "registry");
        if (members.length < 2) {
            throw new IllegalArgumentException("members: expected at least 2 record classes, got " + members.length);
        }
        SpecificData data = SpecificData.getForClass(members[0]);
        java.util.List<Schema> branches = new java.util.ArrayList<>();
        for (Class<? extends SpecificRecord> m : members) {
            branches.add(SpecificData.getForClass(m).getSchema(m));
        }
        return new ConfluentAvroCodec<>(SpecificRecord.class, data, Schema.createUnion(branches), registry);
    }

    public Class<T> type() {
        return type;
    }

    /** Registers (once per subject) this type's schema under {@code subject} and encodes {@code record}. */
    public byte[] encode(String subject, T record) {
        int id = idBySubject.computeIfAbsent(subject, s -> registry.register(s, readerSchemaJson));
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        byte[] header = new byte[ConfluentWireFormat.HEADER_LENGTH];
        ConfluentWireFormat.writeHeader(id, header);
        out.writeBytes(header);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding " + type.getSimpleName() + " in memory", e); // cannot happen
        }
        return out.toByteArray();
    }

    /**
     * Decodes one wire-format record.
     *
     * @throws WireFormatException if the bytes are not a record of this type (dead-letter it)
     * @throws SchemaRegistryException if the registry cannot be reached (retry or fail)
     */
    public T decode(byte[] record) {
        int id = ConfluentWireFormat.readSchemaId(record);
        SpecificDatumReader<T> reader = readerById.computeIfAbsent(id,
                i -> new SpecificDatumReader<>(writerSchemas.forId(i), readerSchema, data));
        writerSchemas.requireOneDatum(id, reader.getSchema(), record);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(record, ConfluentWireFormat.HEADER_LENGTH,
                record.length - ConfluentWireFormat.HEADER_LENGTH, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            // not expected after validation; still a fault of this record (e.g. a string that is not UTF-8 in a
            // way the reader refuses)
            throw WriterSchemas.malformed(id, reader.getSchema(), record, e.toString(), e);
        }
    }
}
