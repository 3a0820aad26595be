package io.seedflow.connectors.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.connectors.registry.WireFormatException.Reason;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.SnapshotAnnouncement;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The wire-format codec against the thin registry and the real Confluent client over HTTP. */
class ConfluentAvroCodecTest {
    private static EmbeddedSchemaRegistry server;
    private static SchemaRegistry registry;

    @BeforeAll
    static void start() {
        server = EmbeddedSchemaRegistry.start();
        registry = ConfluentRegistryClient.create(server.clientOptions(null));
    }

    @AfterAll
    static void stop() {
        registry.close();
        server.close();
    }

    @Test
    void everyRecordTypeRoundTrips() {
        ConfluentAvroCodec<LabeledEvent> events = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        ConfluentAvroCodec<ModelUpdate> updates = ConfluentAvroCodec.forClass(ModelUpdate.class, registry);
        ConfluentAvroCodec<SnapshotAnnouncement> snapshots =
                ConfluentAvroCodec.forClass(SnapshotAnnouncement.class, registry);
        LabeledEvent e = SampleRecords.labeledEvent(3);
        ModelUpdate u = SampleRecords.modelUpdate(7);
        SnapshotAnnouncement s = SampleRecords.snapshotAnnouncement(100);

        byte[] eb = events.encode("events-value", e);
        assertThat(events.decode(eb)).isEqualTo(e);
        assertThat(updates.decode(updates.encode("updates-value", u))).isEqualTo(u);
        assertThat(snapshots.decode(snapshots.encode("updates-value", s))).isEqualTo(s);

        int id = registry.lookup("events-value", LabeledEvent.getClassSchema().toString()).orElseThrow().id();
        assertThat(eb[0]).isZero();
        assertThat(ConfluentWireFormat.readSchemaId(eb)).isEqualTo(id);
        // the same subject now holds two versions: ModelUpdate, then SnapshotAnnouncement
        assertThat(registry.latest("updates-value").orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void unknownSchemaIdIsTyped() {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        byte[] record = codec.encode("events-value", SampleRecords.labeledEvent(1));
        ConfluentWireFormat.writeHeader(4242, record);
        assertThatThrownBy(() -> codec.decode(record))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA_ID))
                .hasMessage("schema id 4242 not found in registry " + server.url())
                .hasCauseInstanceOf(UnknownSchemaIdException.class);
    }

    @Test
    void garbageAndTruncatedBytesAreTyped() {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        assertThatThrownBy(() -> codec.decode("{\"label\":3}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_MAGIC_BYTE))
                .hasMessage("unknown magic byte 0x7b, expected 0x00 (Confluent wire format)");
        assertThatThrownBy(() -> codec.decode(new byte[] {0, 0, 0}))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
                .hasMessageStartingWith("truncated record: 3 bytes, need at least 5");

        byte[] whole = codec.encode("events-value", SampleRecords.labeledEvent(2));
        int id = ConfluentWireFormat.readSchemaId(whole);
        byte[] cut = Arrays.copyOf(whole, whole.length - 4);
        assertThatThrownBy(() -> codec.decode(cut))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD))
                .hasMessageStartingWith("malformed Avro payload for schema id " + id + " (io.seedflow.schemas.LabeledEvent, "
                        + (cut.length - 5) + " body bytes)");
        byte[] padded = Arrays.copyOf(whole, whole.length + 3);
        assertThatThrownBy(() -> codec.decode(padded))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD))
                .hasMessageContaining("3 trailing bytes");
    }

    @Test
    void otherRecordTypeIsIncompatible() {
        ConfluentAvroCodec<ModelUpdate> updates = ConfluentAvroCodec.forClass(ModelUpdate.class, registry);
        ConfluentAvroCodec<LabeledEvent> events = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        byte[] update = updates.encode("updates-value", SampleRecords.modelUpdate(1));
        assertThatThrownBy(() -> events.decode(update))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA))
                .hasMessageContaining("(io.seedflow.schemas.ModelUpdate) cannot be read as "
                        + "io.seedflow.schemas.LabeledEvent");
    }

    @Test
    void recordsOfAnEvolvedWriterSchemaDecode() throws Exception {
        Schema v2 = new Schema.Parser().parse(EmbeddedSchemaRegistryTest.V2);
        int v2Id = registry.register("evolved-value", v2.toString());
        GenericRecord r = new GenericData.Record(v2);
        r.put("eventId", "e-9");
        r.put("eventTime", 1_763_856_000_009L);
        r.put("modelId", "m");
        r.put("label", 9);
        r.put("denseFeatures", List.of(1f, 2f));
        r.put("text", "hello");
        r.put("attributes", Map.of());
        r.put("weight", 0.25f);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[5];
        ConfluentWireFormat.writeHeader(v2Id, header);
        out.write(header);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(r, enc);
        enc.flush();

        LabeledEvent decoded = ConfluentAvroCodec.forClass(LabeledEvent.class, registry).decode(out.toByteArray());
        assertThat(decoded.getEventId()).isEqualTo("e-9");
        assertThat(decoded.getLabel()).isEqualTo(9);
        assertThat(decoded.getDenseFeatures()).containsExactly(1f, 2f);
        assertThat(decoded.getText()).isEqualTo("hello");
    }

    /** Corrupt counts that make Avro's own skip loop forever or its reader allocate gigabytes. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void corruptBlockCountsAreRefusedBeforeAvroSeesThem() {
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        byte[] valid = codec.encode("events-value", SampleRecords.labeledEvent(0));
        byte[] header = Arrays.copyOf(valid, 5);
        // eventId "a", eventTime 0, modelId "m", label 0, denseFeatures: union branch 1 (array), then the block
        byte[] prefix = {2, 'a', 0, 2, 'm', 0, 2};
        byte[] negativeByteCount = concat(header, prefix, new byte[] {1 /* count -1 */, 9 /* bytes -5 */, 0, 0, 0, 0});
        assertThatThrownBy(() -> codec.decode(negativeByteCount))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD))
                .hasMessageContaining("at body byte 9: block byte count -5");
        byte[] hugeCount = concat(header, prefix, new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08,
                0, 0, 0, 0});
        assertThatThrownBy(() -> codec.decode(hugeCount))
                .isInstanceOfSatisfying(WireFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD))
                .hasMessageContaining("block of 1073741824 items, but 4 bytes are left");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Random bodies behind a valid header: only typed errors, no huge allocation, no hang. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void randomBodiesFailTyped() {
        ConfluentAvroCodec<ModelUpdate> codec = ConfluentAvroCodec.forClass(ModelUpdate.class, registry);
        byte[] valid = codec.encode("updates-value", SampleRecords.modelUpdate(5));
        SplittableRandom random = new SplittableRandom(20251123L);
        int typed = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] record = Arrays.copyOf(valid, 5 + random.nextInt(valid.length * 2));
            if (i % 2 == 0) {
                for (int j = 5; j < record.length; j++) {
                    record[j] = (byte) random.nextInt(256);
                }
            } else {
                for (int flips = 0; flips < 3; flips++) {
                    int at = 5 + random.nextInt(record.length - 5 + 1) % Math.max(1, record.length - 5);
                    if (at < record.length) {
                        record[at] = (byte) random.nextInt(256);
                    }
                }
            }
            try {
                codec.decode(record);
            } catch (WireFormatException e) {
                assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD);
                typed++;
            }
        }
        assertThat(typed).isGreaterThan(2500);
    }
}
