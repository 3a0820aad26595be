package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistryException;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.connectors.registry.WriterSchemas;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.schemas.LabeledEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.util.Utf8;

/**
 * Reads Confluent-wire-format {@link LabeledEvent}s straight into a {@link DecodedLabeledEvent}: the dense features
 * go into a {@code float[]} as they are decoded, without the generated class's boxed {@code List<Float>}, and fields
 * that training does not use (event id, time, attributes) are skipped, not built.
 *
 * <p>Schema evolution works as with Avro's own readers: each record's writer schema comes from the registry by the id
 * in its header ({@link WriterSchemas}: checked compatible with {@code LabeledEvent}'s schema, and the body checked
 * against it before it is read), and a {@link ResolvingDecoder} per writer schema presents the body in the reader
 * schema's shape: fields in writer order ({@link ResolvingDecoder#readFieldOrder()}), writer-only fields skipped,
 * reader-only fields at their defaults, promotions (e.g. an {@code int} array read as floats) applied. A reader field
 * this class does not know is skipped, so a newer {@code LabeledEvent} schema does not break it.
 *
 * <p>Errors: {@link WireFormatException} when the bytes are not a labeled event (dead-letter them);
 * {@link InvalidTextException} when its text is not UTF-8 (dead-letter it);
 * {@link SchemaRegistryException} when the registry cannot be reached (not the record's fault). Not thread-safe: one
 * reader per thread (per subtask), as it reuses its decoders.
 */
public final class LabeledEventReader {
    private static final Schema READER_SCHEMA = LabeledEvent.getClassSchema();
    private static final int MODEL_ID = READER_SCHEMA.getField("modelId").pos();
    private static final int LABEL = READER_SCHEMA.getField("label").pos();
    private static final int DENSE_FEATURES = READER_SCHEMA.getField("denseFeatures").pos();
    private static final int TEXT = READER_SCHEMA.getField("text").pos();

    private final WriterSchemas writerSchemas;
    private final Map<Integer, WriterDecoder> decoderById = new HashMap<>();
    private BinaryDecoder body;
    /** Model ids repeat from event to event: the last one's bytes and string, so that a repeat allocates nothing. */
    private Utf8 lastModelIdBytes;
    private String lastModelId;
    private Utf8 scratch = new Utf8();
    private byte[] floatBytes = new byte[0];
    private final CharsetDecoder strictUtf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    public LabeledEventReader(SchemaRegistry registry) {
        this.writerSchemas = new WriterSchemas(READER_SCHEMA, registry);
    }

    /**
     * Reads one wire-format record.
     *
     * @throws WireFormatException if the bytes are not a labeled event of a known, compatible schema
     * @throws SchemaRegistryException if the registry cannot be reached
     */
    public DecodedLabeledEvent read(byte[] record) {
        int id = ConfluentWireFormat.readSchemaId(record);
        WriterDecoder writer = decoderById.computeIfAbsent(id, this::newDecoder);
        writerSchemas.requireOneDatum(id, writer.schema, record);
        body = DecoderFactory.get().binaryDecoder(record, ConfluentWireFormat.HEADER_LENGTH,
                record.length - ConfluentWireFormat.HEADER_LENGTH, body);
        try {
            writer.resolving.configure(body);
            DecodedLabeledEvent event = readFields(writer);
            writer.resolving.drain();
            return event;
        } catch (InvalidTextException e) {
            throw e; // a fault of the record's text, dead-lettered with its own reason
        } catch (IOException | RuntimeException e) {
            // not expected after the body check; still a fault of this record (e.g. a string that is not UTF-8)
            throw WriterSchemas.malformed(id, writer.schema, record, e.toString(), e);
        }
    }

    private DecodedLabeledEvent readFields(WriterDecoder writer) throws IOException {
        ResolvingDecoder in = writer.resolving;
        String modelId = null;
        int label = 0;
        float[] dense = null;
        String text = null;
        for (Schema.Field field : in.readFieldOrder()) {
            int pos = field.pos();
            if (pos == MODEL_ID) {
                modelId = readModelId(in);
            } else if (pos == LABEL) {
                label = in.readInt();
            } else if (pos == DENSE_FEATURES) {
                dense = present(field, in) ? readFloats(in, writer.floatsAsWritten) : null;
            } else if (pos == TEXT) {
                text = present(field, in) ? readText(in) : null;
            } else {
                GenericDatumReader.skip(field.schema(), in); // event id, time, attributes, fields added later
            }
        }
        return new DecodedLabeledEvent(modelId, label, dense, text);
    }

    /**
     * Reads a string strictly: Avro's own {@code readString} replaces bytes that are not UTF-8 with U+FFFD, which
     * would train on a text the producer never wrote.
     *
     * @throws InvalidTextException ({@code NOT_UTF8}) naming the first bad byte
     */
    private String readText(ResolvingDecoder in) throws IOException {
        Utf8 bytes = in.readString(null);
        try {
            return strictUtf8.decode(ByteBuffer.wrap(bytes.getBytes(), 0, bytes.getByteLength())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTextException(InvalidTextException.Problem.NOT_UTF8, "text of " + bytes.getByteLength()
                    + " bytes is not valid UTF-8 (" + e + ")");
        }
    }

    private String readModelId(ResolvingDecoder in) throws IOException {
        scratch = in.readString(scratch);
        if (!scratch.equals(lastModelIdBytes)) {
            Utf8 previous = lastModelIdBytes;
            lastModelIdBytes = scratch;
            lastModelId = scratch.toString();
            scratch = previous == null ? new Utf8() : previous;
        }
        return lastModelId;
    }

    /**
     * Reads an array of floats: the block counts through the resolving decoder {@code in}; the items either through
     * it, each resolved (e.g. an {@code int} promoted to a float), or, when the writer wrote plain floats
     * ({@code asWritten}), straight from the body decoder, a block at a time. The resolver's grammar tracks an
     * array's items only as they are read through it, so items read past it leave it expecting the next block count.
     * The body check bounds every count by the bytes left, so the array is never larger than the record.
     */
    private float[] readFloats(ResolvingDecoder in, boolean asWritten) throws IOException {
        long block = in.readArrayStart();
        float[] values = new float[(int) block];
        int size = 0;
        while (block > 0) {
            int n = (int) block;
            if (size + n > values.length) { // a second block: rare, Avro's own writers write one
                values = Arrays.copyOf(values, Math.addExact(size, n));
            }
            if (asWritten) {
                readLittleEndianFloats(values, size, n);
            } else {
                for (int i = 0; i < n; i++) {
                    values[size + i] = in.readFloat();
                }
            }
            size += n;
            block = in.arrayNext();
        }
        return values;
    }

    /** Avro writes a float as its 4 IEEE-754 bytes, little-endian: one bulk copy instead of one call per value. */
    private void readLittleEndianFloats(float[] into, int offset, int count) throws IOException {
        int bytes = count * Float.BYTES;
        if (floatBytes.length < bytes) {
            floatBytes = new byte[bytes];
        }
        body.readFixed(floatBytes, 0, bytes);
        ByteBuffer.wrap(floatBytes, 0, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into, offset, count);
    }

    /** Reads the branch of an optional ({@code ["null", T]}) field; false (and the null read) when it is null. */
    private static boolean present(Schema.Field field, ResolvingDecoder in) throws IOException {
        if (field.schema().getTypes().get(in.readIndex()).getType() != Schema.Type.NULL) {
            return true;
        }
        in.readNull();
        return false;
    }

    private WriterDecoder newDecoder(int id) {
        Schema writer = writerSchemas.forId(id);
        try {
            return new WriterDecoder(writer, DecoderFactory.get().resolvingDecoder(writer, READER_SCHEMA, null),
                    writesFloatArray(writer));
        } catch (IOException e) {
            throw new UncheckedIOException("resolving schema id " + id + " against " + READER_SCHEMA.getFullName(),
                    e); // cannot happen: resolving reads no input
        }
    }

    /** Whether {@code writer} writes the dense features as an array of plain floats (alone or in a union). */
    private static boolean writesFloatArray(Schema writer) {
        Schema.Field field = writer.getField(READER_SCHEMA.getFields().get(DENSE_FEATURES).name());
        if (field == null) {
            return false;
        }
        Schema type = field.schema();
        for (Schema branch : type.getType() == Schema.Type.UNION ? type.getTypes() : List.of(type)) {
            if (branch.getType() == Schema.Type.ARRAY) {
                return branch.getElementType().getType() == Schema.Type.FLOAT;
            }
        }
        return false;
    }

    /** What reading one writer schema needs: the schema, its resolver, and whether its features are plain floats. */
    private record WriterDecoder(Schema schema, ResolvingDecoder resolving, boolean floatsAsWritten) {
    }
}
