package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seedflow.connectors.kafka.RegistryAvroDeserializer;
import io.seedflow.connectors.kafka.RegistryAvroSerializer;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.connectors.registry.WireFormatException;
import io.seedflow.connectors.registry.WireFormatException.Reason;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.schemas.LineageRange;
import io.seedflow.schemas.ModelUpdate;
import io.seedflow.schemas.Perturbation;
import io.seedflow.schemas.SnapshotAnnouncement;
import io.seedflow.schemas.UpdateStatus;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Each Avro wire type through a real in-JVM Kafka broker in the Confluent wire format, with schemas in the thin
 * registry reached by the real Confluent client over HTTP: transactional producer, read_committed consumer. Bad
 * bytes on a topic surface as typed errors that name topic, partition and offset.
 */
class RegistryKafkaRoundTripITCase extends KafkaRegistryTestBase {
    private static final Duration DEADLINE = Duration.ofSeconds(30);


    @Test
    void labeledEventsRoundTrip() throws Exception {
        roundTrip("labeled-events", LabeledEvent.class, RegistryKafkaRoundTripITCase::labeledEvent);
    }

    @Test
    void modelUpdatesRoundTrip() throws Exception {
        roundTrip("model-updates", ModelUpdate.class, RegistryKafkaRoundTripITCase::modelUpdate);
    }

    @Test
    void snapshotAnnouncementsRoundTrip() throws Exception {
        roundTrip("snapshot-announcements", SnapshotAnnouncement.class,
                RegistryKafkaRoundTripITCase::snapshotAnnouncement);
    }

    /**
     * Sends one aborted transaction (records 100..102) and one committed transaction (records 0..9); a
     * read_committed consumer must see exactly the committed ones, in order, field for field, and the bytes on the
     * topic must carry the id the registry holds for {@code <topic>-value}.
     */
    private <T extends SpecificRecord> void roundTrip(String topic, Class<T> type, LongFunction<T> record)
            throws Exception {
        kafka.createTopic(topic, 1);
        List<T> committed = new ArrayList<>();
        for (long i = 0; i < 10; i++) {
            committed.add(record.apply(i));
        }
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(
                kafka.transactionalProducerProperties("tx-" + topic), new StringSerializer(),
                RegistryAvroSerializer.forClass(type, registry))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (long i = 100; i < 103; i++) {
                producer.send(new ProducerRecord<>(topic, "aborted-" + i, record.apply(i)));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (T r : committed) {
                producer.send(new ProducerRecord<>(topic, "k", r));
            }
            producer.commitTransaction();
        }

        List<T> received = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(kafka.readCommittedConsumerProperties(),
                new StringDeserializer(), RegistryAvroDeserializer.forClass(type, registry))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            pollUntil(consumer, received, committed.size());
        }
        assertThat(received).containsExactlyElementsOf(committed);

        int id = registry.latest(ConfluentWireFormat.valueSubject(topic)).orElseThrow().id();
        try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(kafka.readCommittedConsumerProperties(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            raw.assign(List.of(new TopicPartition(topic, 0)));
            List<byte[]> bytes = new ArrayList<>();
            pollUntil(raw, bytes, committed.size());
            assertThat(bytes).allSatisfy(b -> {
                assertThat(b[0]).isEqualTo(ConfluentWireFormat.MAGIC_BYTE);
                assertThat(ConfluentWireFormat.readSchemaId(b)).isEqualTo(id);
            });
        }
    }

    @Test
    void badBytesOnATopicAreTypedErrorsWithTheirOffset() throws Exception {
        String topic = "bad-events";
        kafka.createTopic(topic, 1);
        byte[] good;
        try (KafkaProducer<String, LabeledEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), RegistryAvroSerializer.forClass(LabeledEvent.class, registry))) {
            producer.send(new ProducerRecord<>(topic, labeledEvent(1))).get();
        }
        good = RegistryAvroSerializer.forClass(LabeledEvent.class, registry).serialize(topic, labeledEvent(2));
        byte[] unknownId = good.clone();
        ConfluentWireFormat.writeHeader(987_654, unknownId);
        byte[] garbage = "{\"label\":3}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] truncated = {0, 0, 0};
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] b : List.of(unknownId, garbage, truncated, good)) {
                producer.send(new ProducerRecord<>(topic, b)).get();
            }
        }

        List<String> outcomes = new ArrayList<>();
        try (KafkaConsumer<byte[], LabeledEvent> consumer = new KafkaConsumer<>(
                kafka.readCommittedConsumerProperties(), new ByteArrayDeserializer(),
                RegistryAvroDeserializer.forClass(LabeledEvent.class, registry))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (outcomes.size() < 5 && System.nanoTime() < deadline) {
                try {
                    for (ConsumerRecord<byte[], LabeledEvent> r : consumer.poll(Duration.ofMillis(200))) {
                        outcomes.add(r.offset() + ":ok:" + r.value().getEventId());
                    }
                } catch (RecordDeserializationException e) {
                    assertThat(e.topicPartition()).isEqualTo(tp);
                    assertThat(e.getCause()).isInstanceOf(WireFormatException.class);
                    WireFormatException w = (WireFormatException) e.getCause();
                    outcomes.add(e.offset() + ":" + w.reason() + ":" + w.getMessage());
                    consumer.seek(tp, e.offset() + 1); // what a dead-letter router does after routing it
                }
            }
        }
        assertThat(outcomes).containsExactly(
                "0:ok:event-1",
                "1:" + Reason.UNKNOWN_SCHEMA_ID + ":schema id 987654 not found in registry " + registryServer.url(),
                "2:" + Reason.UNKNOWN_MAGIC_BYTE + ":unknown magic byte 0x7b, expected 0x00 (Confluent wire format)",
                "3:" + Reason.TRUNCATED + ":truncated record: 3 bytes, need at least 5 (magic byte + 4-byte schema id)",
                "4:ok:event-2");
    }

    private static <K, V> void pollUntil(KafkaConsumer<K, V> consumer, List<V> into, int count) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (into.size() < count) {
            if (System.nanoTime() > deadline) {
                fail("received " + into.size() + " of " + count + " records within " + DEADLINE);
            }
            for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(200))) {
                into.add(r.value());
            }
        }
        // anything more (e.g. an aborted record leaking through) would show up here
        for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(300))) {
            into.add(r.value());
        }
    }

    static LabeledEvent labeledEvent(long i) {
        return LabeledEvent.newBuilder().setEventId("event-" + i).setEventTime(Instant.ofEpochMilli(1_763_856_000_000L + i))
                .setModelId("fashion-mnist-mlp").setLabel((int) (i % 10))
                .setDenseFeatures(List.of(0f, 0.25f, (float) i, -0f, Float.MIN_VALUE))
                .setText(i % 2 == 0 ? null : "text " + i).setAttributes(Map.of("source", "it")).build();
    }

    static ModelUpdate modelUpdate(long step) {
        return ModelUpdate.newBuilder().setFormatVersion(1).setModelId("m").setBaseSnapshotId("ab".repeat(32))
                .setStep(step + 1).setStatus(step % 5 == 4 ? UpdateStatus.SKIPPED_NON_FINITE : UpdateStatus.APPLIED)
                .setDecayFactor(0.9999f)
                .setPerturbations(List.of(Perturbation.newBuilder().setSeed(-1L - step).setCoefficient(1e-4f * step)
                        .setProjectedGradient(0.5f).setLossPlus(2.3f).setLossMinus(2.29f).build()))
                .setEpsilon(1e-3f).setLearningRate(5e-4f).setBatchSize(64)
                .setLineage(List.of(LineageRange.newBuilder().setSource("labeled-events").setPartition(0)
                        .setFromOffset(step * 64).setUntilOffset(step * 64 + 64).build()))
                .setTrainerTimeMillis(Instant.ofEpochMilli(1_763_856_000_000L + step)).build();
    }

    static SnapshotAnnouncement snapshotAnnouncement(long i) {
        return SnapshotAnnouncement.newBuilder().setFormatVersion(1).setModelId("m").setStep(i * 1000)
                .setUri("file:///tmp/s/" + i + ".safetensors").setSha256(String.format("%064x", i))
                .setSizeBytes(204_840L + i).setWeightsSha256(String.format("%064x", i + 1))
                .setCreatedMillis(Instant.ofEpochMilli(1_763_856_000_000L + i)).build();
    }
}
