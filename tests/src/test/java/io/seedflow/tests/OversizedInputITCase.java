package io.seedflow.tests;

import static io.seedflow.tests.StreamingItSupport.readCommitted;
import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.registry.ConfluentAvroCodec;
import io.seedflow.connectors.registry.ConfluentWireFormat;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.jobs.streaming.StreamingPipeline;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.tests.kafka.KafkaRegistryTestBase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 point 1, no poison pill: values at and over Kafka's limits on an events topic that accepts 8 MiB (a value
 * that fills a default broker's message.max.bytes exactly, the 1,048,300-byte value, a 5 MiB well-formed
 * event) and null and empty values with null and empty keys are each dead-lettered, with their reason, on a
 * dead-letter topic with the broker's default limits; the job trains on every valid event and finishes, and trained +
 * dead-lettered = consumed. Before the fix the two large dead letters exceeded the producer's max.request.size and
 * the job restarted forever.
 */
class OversizedInputITCase extends KafkaRegistryTestBase {
    private static final String MODEL = "big-model";
    private static final int FEATURES = 16;
    private static final int CLASSES = 3;
    private static final int BATCH = 10;
    private static final String EVENTS = "big-events";
    private static final String UPDATES = "big-updates";
    private static final String DEAD_LETTERS = "big-dead-letters";
    /** Kafka's default message.max.bytes: the largest record batch a default broker or topic accepts. */
    private static final int DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    private static final int EVENTS_TOPIC_MAX_BYTES = 8 << 20;

    private record Input(byte[] key, byte[] value, String reason) {
    }

    @Test
    void oversizedNullAndEmptyValuesAreDeadLetteredAndTrainingGoesOn(@TempDir Path snapshots) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                    new NewTopic(EVENTS, 1, (short) 1).configs(Map.of("max.message.bytes",
                            Integer.toString(EVENTS_TOPIC_MAX_BYTES))),
                    new NewTopic(UPDATES, 1, (short) 1),
                    new NewTopic(DEAD_LETTERS, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        ConfluentAvroCodec<LabeledEvent> codec = ConfluentAvroCodec.forClass(LabeledEvent.class, registry);
        String subject = ConfluentWireFormat.valueSubject(EVENTS);
        Random random = new Random(5);
        byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
        List<Input> bad = List.of(
                new Input(key, garbage(atDefaultBrokerLimit(key)), "UNDECODABLE"),
                new Input(key, codec.encode(subject, StreamingItSupport.event(random, MODEL, 1, 5 << 18, CLASSES)),
                        "WRONG_FEATURE_LENGTH"),
                new Input(null, null, "UNDECODABLE"),
                new Input(new byte[0], new byte[0], "UNDECODABLE"),
                new Input(key, garbage(1_048_300), "UNDECODABLE"));
        assertThat(bad.get(1).value().length).isGreaterThan(5 << 20);

        Map<Long, Input> badByOffset = new LinkedHashMap<>();
        long produced = 0;
        Properties props = kafka.producerProperties();
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(EVENTS_TOPIC_MAX_BYTES));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 4 * BATCH; i++) {
                if (i % 8 == 3) {
                    Input in = bad.get(i / 8);
                    long offset = producer.send(new ProducerRecord<>(EVENTS, in.key(), in.value())).get().offset();
                    badByOffset.put(offset, in);
                    produced++;
                }
                producer.send(new ProducerRecord<>(EVENTS, key, codec.encode(subject,
                        StreamingItSupport.event(random, MODEL, random.nextInt(CLASSES), FEATURES, CLASSES)))).get();
                produced++;
            }
        }
        assertThat(badByOffset).hasSize(bad.size());

        StreamingSettings settings = StreamingSettings.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .registry(registryServer.clientOptions(null))
                .eventsTopic(EVENTS).updatesTopic(UPDATES).deadLetterTopic(DEAD_LETTERS)
                .consumerGroup("big-trainer").transactionalIdPrefix("it-oversized")
                .modelSpec("mlp:16x8x3:relu")
                .trainer(trainerSettings(snapshots))
                .checkpointInterval(Duration.ofMillis(200))
                .bounded(true)
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        StreamingPipeline.build(env, settings);
        StreamingItSupport.runToEnd(env, "oversized-input-it", 90);

        List<UpdateRecord> updates = StreamingItSupport.updateRecords(
                StreamingItSupport.readUpdatesTopic(kafka, registry, UPDATES));
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(kafka, DEAD_LETTERS);
        long trained = updates.stream().mapToLong(UpdateRecord::eventCount).sum();
        assertThat(updates).hasSize(4);
        assertThat(trained).isEqualTo(4 * BATCH);
        assertThat(trained + deadLetters.size()).as("trained + dead-lettered = consumed").isEqualTo(produced);

        int limit = DeadLetterSerializationSchema.DEFAULT_MAX_ORIGINAL_BYTES;
        Map<Long, String> reasons = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            long offset = Long.parseLong(header(r, DeadLetterSerializationSchema.SOURCE_OFFSET));
            Input in = badByOffset.get(offset);
            assertThat(in).as("dead letter of offset %d", offset).isNotNull();
            reasons.put(offset, header(r, DeadLetterSerializationSchema.REASON));
            assertThat(header(r, DeadLetterSerializationSchema.MESSAGE)).isNotBlank();
            if (in.value() == null) {
                assertThat(r.value()).isNull();
                assertThat(header(r, DeadLetterSerializationSchema.MESSAGE)).contains("tombstone");
                assertThat(r.headers().lastHeader(DeadLetterSerializationSchema.ORIGINAL_SIZE)).isNull();
                continue;
            }
            boolean cut = in.value().length > limit;
            assertThat(r.value()).as("value of offset %d", offset)
                    .isEqualTo(cut ? Arrays.copyOf(in.value(), limit) : in.value());
            assertThat(header(r, DeadLetterSerializationSchema.ORIGINAL_SIZE))
                    .isEqualTo(Integer.toString(in.value().length));
            assertThat(header(r, DeadLetterSerializationSchema.ORIGINAL_SHA256))
                    .isEqualTo(SafetensorsFormat.sha256(in.value()));
            assertThat(header(r, DeadLetterSerializationSchema.TRUNCATED)).isEqualTo(Boolean.toString(cut));
        }
        Map<Long, String> expected = new LinkedHashMap<>();
        badByOffset.forEach((offset, in) -> expected.put(offset, in.reason()));
        assertThat(reasons).isEqualTo(expected);
    }

    /** The value size that makes a one-record batch with {@code key} exactly a default broker's limit. */
    private static int atDefaultBrokerLimit(byte[] key) {
        int value = DEFAULT_MAX_MESSAGE_BYTES - DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        while (DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                + DefaultRecord.sizeInBytes(0, 0L, key.length, value, new Header[0]) > DEFAULT_MAX_MESSAGE_BYTES) {
            value--;
        }
        return value;
    }

    /** Bytes that are not the Confluent wire format (first byte is not the magic byte 0). */
    private static byte[] garbage(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        b[0] = 'x';
        return b;
    }

    private static Configuration trainerSettings(Path snapshots) {
        Configuration c = new Configuration();
        c.set(ZoTrainerOptions.BATCH_SIZE, BATCH);
        c.set(ZoTrainerOptions.LEARNING_RATE, 0.05);
        c.set(ZoTrainerOptions.SNAPSHOT_INTERVAL, 2);
        c.set(ZoTrainerOptions.MAX_WAIT, Duration.ofMinutes(1)); // batches are full; no partial flush wanted
        c.set(ZoTrainerOptions.SNAPSHOT_DIR, snapshots.toString());
        return c;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        assertThat(h).as("header %s", key).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
