package io.seedflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.EmbeddedSchemaRegistry;
import io.seedflow.connectors.registry.SchemaRegistry;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.connectors.registry.WireFormatException.Reason;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.schemas.LabeledEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The unboxed labeled-event reader: golden bytes, agreement with Avro's own reader, evolved writers, bad bytes. */
class LabeledEventReaderTest {
    /**
     * The Avro body of a {@code LabeledEvent} (event id "golden-1", time 1763856000000, model "fashion-mnist-mlp",
     * label 7, features 0, 0.5, -0, Float.MIN_VALUE, -3.25, Float.MAX_VALUE, no text, attributes {source: golden}).
     */
    static final String GOLDEN_BODY = "10676f6c64656e2d31809095e0d5662266617368696f6e2d6d6e6973742d6d6c700e020c0000"
            + "00000000003f0000008001000000000050c0ffff7f7f0000020c736f757263650c676f6c64656e00";
    private static final float[] GOLDEN_FEATURES = {0f, 0.5f, -0f, Float.MIN_VALUE, -3.25f, Float.MAX_VALUE};

    private static EmbeddedSchemaRegistry server;
    private static SchemaRegistry registry;
    private static ConfluentAvroCodec<LabeledEvent> codec;

    @BeforeAll
    static void start() {
        server = EmbeddedSchemaRegistry.start();
        registry = ConfluentRegistryClient.create(server.clientOptions(null));
        codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
    }

    @AfterAll
    static void stop() {
        registry.close();
        server.close();
    }

    @Test
    void goldenBytesReadToTheirFieldsBitForBit() {
        GenericRecord golden = record(LabeledEvent.getClassSchema(), "fashion-mnist-mlp", 7,
                boxed(GOLDEN_FEATURES), null);
        golden.put("eventId", "golden-1");
        golden.put("eventTime", 1_763_856_000_000L);
        golden.put("attributes", Map.of("source", "golden"));
        byte[] wire = wire(LabeledEvent.getClassSchema(), golden);
        assertThat(HexFormat.of().formatHex(wire, ConfluentWireFormat.HEADER_LENGTH, wire.length))
                .as("the writer still produces the golden body").isEqualTo(GOLDEN_BODY);

        DecodedLabeledEvent event = new LabeledEventReader(registry).read(wire);

        assertThat(event.modelId()).isEqualTo("fashion-mnist-mlp");
        assertThat(event.label()).isEqualTo(7);
        assertThat(rawBits(event.denseFeatures())).containsExactly(rawBits(GOLDEN_FEATURES));
        assertThat(event.text()).isNull();
    }

    @Test
    void readsWhatAvrosOwnReaderReadsForRandomEvents() {
        LabeledEventReader reader = new LabeledEventReader(registry);
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 200; i++) {
            List<Float> x = new ArrayList<>();
            int n = random.nextInt(0, 900);
            for (int k = 0; k < n; k++) {
                x.add(Float.intBitsToFloat(random.nextInt())); // every bit pattern, NaN payloads included
            }
            LabeledEvent e = LabeledEvent.newBuilder().setEventId("e" + i).setEventTime(Instant.ofEpochMilli(i))
                    .setModelId("model-" + (i % 3)).setLabel(random.nextInt(-5, 20)).setDenseFeatures(x)
                    .setText(i % 7 == 0 ? "text " + i : null).setAttributes(Map.of("i", "" + i)).build();
            byte[] wire = codec.encode("random-value", e);

            LabeledEvent expected = codec.decode(wire);
            DecodedLabeledEvent got = reader.read(wire);

            assertThat(got.modelId()).isEqualTo(expected.getModelId().toString());
            assertThat(got.label()).isEqualTo(expected.getLabel());
            assertThat(rawBits(got.denseFeatures())).containsExactly(rawBits(unboxed(expected.getDenseFeatures())));
            assertThat(got.text()).isEqualTo(expected.getText() == null ? null : expected.getText().toString());
        }
    }

    @Test
    void absentFeaturesAreNullAndATextPayloadIsRead() {
        LabeledEvent textEvent = LabeledEvent.newBuilder().setEventId("t").setEventTime(Instant.EPOCH).setModelId("m")
                .setLabel(1).setDenseFeatures(null).setText("free shipping, click now").build();

        DecodedLabeledEvent got = new LabeledEventReader(registry).read(codec.encode("text-value", textEvent));

        assertThat(got.denseFeatures()).isNull();
        assertThat(got.text()).isEqualTo("free shipping, click now");
        assertThat(got.modelId()).isEqualTo("m");
    }

    @Test
    void featuresOfAnyLengthAreReadAsWrittenForTheValidatorToJudge() {
        LabeledEventReader reader = new LabeledEventReader(registry);
        for (int n : new int[] {0, 1, 3, 785}) {
            float[] x = new float[n];
            Arrays.fill(x, 0.25f);
            byte[] wire = wire(LabeledEvent.getClassSchema(), record(LabeledEvent.getClassSchema(), "m", 0, boxed(x),
                    null));
            assertThat(reader.read(wire).denseFeatures()).containsExactly(x);
        }
    }

    /** A newer writer: a field added before the features, fields reordered, the optional's branches swapped. */
    @Test
    void aNewerWriterSchemaWithAnAddedFieldAndAnotherOrderIsResolved() {
        Schema newer = new Schema.Parser().parse("""
                {"type":"record","name":"LabeledEvent","namespace":"io.seedflow.schemas","fields":[
                  {"name":"modelId","type":"string"},
                  {"name":"weight","type":"float","default":1.0},
                  {"name":"denseFeatures","type":[{"type":"array","items":"float"},"null"]},
                  {"name":"label","type":"int"},
                  {"name":"eventId","type":"string"},
                  {"name":"eventTime","type":{"type":"long","logicalType":"timestamp-millis"}},
                  {"name":"text","type":["null","string"],"default":null},
                  {"name":"attributes","type":{"type":"map","values":"string"},"default":{}},
                  {"name":"source","type":"string","default":""}]}""");
        GenericRecord r = record(newer, "m-new", 4, List.of(1f, -2f, 3.5f), "hi");
        r.put("weight", 0.25f);
        r.put("source", "camera");

        DecodedLabeledEvent got = new LabeledEventReader(registry).read(wire(newer, r));

        assertThat(got).usingRecursiveComparison().isEqualTo(new DecodedLabeledEvent("m-new", 4,
                new float[] {1f, -2f, 3.5f}, "hi"));
    }

    /** An older writer: no text and no attributes field (the reader's defaults apply), features not optional. */
    @Test
    void anOlderWriterSchemaWithoutTheOptionalFieldsReadsTheirDefaults() {
        Schema older = new Schema.Parser().parse("""
                {"type":"record","name":"LabeledEvent","namespace":"io.seedflow.schemas","fields":[
                  {"name":"eventId","type":"string"},
                  {"name":"eventTime","type":"long"},
                  {"name":"modelId","type":"string"},
                  {"name":"label","type":"int"},
                  {"name":"denseFeatures","type":{"type":"array","items":"float"}}]}""");
        GenericRecord r = new GenericData.Record(older);
        r.put("eventId", "old");
        r.put("eventTime", 5L);
        r.put("modelId", "m-old");
        r.put("label", 2);
        r.put("denseFeatures", List.of(0.5f, 0.75f));

        DecodedLabeledEvent got = new LabeledEventReader(registry).read(wire(older, r));

        assertThat(got).usingRecursiveComparison().isEqualTo(new DecodedLabeledEvent("m-old", 2,
                new float[] {0.5f, 0.75f}, null));
    }

    /** Avro promotes an int array to floats: those items go one by one through the resolver. */
    @Test
    void aWriterOfIntFeaturesIsPromotedToFloats() {
        Schema ints = new Schema.Parser().parse(LabeledEvent.getClassSchema().toString()
                .replace("{\"type\":\"array\",\"items\":\"float\"}", "{\"type\":\"array\",\"items\":\"int\"}"));
        assertThat(ints.toString()).contains("\"items\":\"int\"");
        GenericRecord r = record(ints, "m", 1, List.of(0, 255, -7, 16_777_217), null);

        DecodedLabeledEvent got = new LabeledEventReader(registry).read(wire(ints, r));

        assertThat(got.denseFeatures()).containsExactly(0f, 255f, -7f, 16_777_216f);
    }

    /** Arrays written in several blocks, each with its byte count (a blocking encoder, as streaming writers use). */
    @Test
    void featuresWrittenInSeveralBlocksAreJoined() throws IOException {
        float[] x = new float[300];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.5f;
        }
        GenericRecord r = record(LabeledEvent.getClassSchema(), "m", 3, boxed(x), null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header(LabeledEvent.getClassSchema()));
        BinaryEncoder blocking = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(LabeledEvent.getClassSchema()).write(r, blocking);
        blocking.flush();
        byte[] wire = out.toByteArray();
        assertThat(wire.length).as("block headers take room").isGreaterThan(wire(LabeledEvent.getClassSchema(), r).length);

        assertThat(new LabeledEventReader(registry).read(wire).denseFeatures()).containsExactly(x);
    }

    @Test
    void badBytesFailWithTheReasonsOfTheGenericCodec() {
        LabeledEventReader reader = new LabeledEventReader(registry);
        byte[] whole = wire(LabeledEvent.getClassSchema(), record(LabeledEvent.getClassSchema(), "m", 0,
                List.of(1f, 2f, 3f), null));
        int id = ConfluentWireFormat.readSchemaId(whole);
        byte[] cut = Arrays.copyOf(whole, whole.length - 6);
        byte[] unknownId = whole.clone();
        ConfluentWireFormat.writeHeader(987_654, unknownId);
        Schema other = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}");
        GenericRecord otherRecord = new GenericData.Record(other);
        otherRecord.put("x", 1);

        assertThatThrownBy(() -> reader.read(cut)).isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD))
                .hasMessageStartingWith("malformed Avro payload for schema id " + id
                        + " (io.seedflow.schemas.LabeledEvent, " + (cut.length - 5) + " body bytes)");
        assertThatThrownBy(() -> reader.read(Arrays.copyOf(whole, 3))).isInstanceOfSatisfying(
                WireFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED));
        assertThatThrownBy(() -> reader.read("{\"label\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_MAGIC_BYTE));
        assertThatThrownBy(() -> reader.read(unknownId)).isInstanceOfSatisfying(WireFormatException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_ID)).hasMessageContaining("987654");
        assertThatThrownBy(() -> reader.read(wire(other, otherRecord)))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA));
        // a good record after the bad ones still reads (no decoder left half-way)
        assertThat(reader.read(whole).denseFeatures()).containsExactly(1f, 2f, 3f);
    }

    /** Random bytes behind a valid header: typed errors only, never a hang or a huge allocation. */
    @Test
    void randomBodiesFailTyped() {
        LabeledEventReader reader = new LabeledEventReader(registry);
        byte[] valid = wire(LabeledEvent.getClassSchema(), record(LabeledEvent.getClassSchema(), "m", 0,
                List.of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f), "x"));
        SplittableRandom random = new SplittableRandom(6);
        int typed = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] record = Arrays.copyOf(valid, 5 + random.nextInt(valid.length * 2));
            for (int flips = 0; flips < 4; flips++) {
                if (record.length > 5) {
                    record[5 + random.nextInt(record.length - 5)] = (byte) random.nextInt(256);
                }
            }
            try {
                reader.read(record);
            } catch (WireFormatException e) {
                assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD);
                typed++;
            } catch (InvalidTextException e) { // a flipped byte in the text: dead-lettered as INVALID_TEXT
                assertThat(e.problem()).isEqualTo(InvalidTextException.Problem.NOT_UTF8);
                typed++;
            }
        }
        assertThat(typed).isGreaterThan(2500);
    }

    private static GenericRecord record(Schema schema, String modelId, int label, List<?> features, String text) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("eventId", "e");
        r.put("eventTime", 0L);
        r.put("modelId", modelId);
        r.put("label", label);
        r.put("denseFeatures", features);
        if (schema.getField("text") != null) {
            r.put("text", text);
        }
        if (schema.getField("attributes") != null) {
            r.put("attributes", Map.of());
        }
        return r;
    }

    private static byte[] header(Schema writer) {
        byte[] header = new byte[ConfluentWireFormat.HEADER_LENGTH];
        ConfluentWireFormat.writeHeader(registry.register("reader-test-" + Integer.toHexString(writer.hashCode())
                + "-value", writer.toString()), header);
        return header;
    }

    private static byte[] wire(Schema writer, GenericRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(writer));
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(writer).write(r, enc);
            enc.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static List<Float> boxed(float[] x) {
        List<Float> out = new ArrayList<>(x.length);
        for (float v : x) {
            out.add(v);
        }
        return out;
    }

    private static float[] unboxed(List<Float> x) {
        float[] out = new float[x.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = x.get(i);
        }
        return out;
    }

    private static int[] rawBits(float[] x) {
        int[] bits = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            bits[i] = Float.floatToRawIntBits(x[i]);
        }
        return bits;
    }
}
